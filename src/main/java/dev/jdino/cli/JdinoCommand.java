package dev.jdino.cli;

import picocli.CommandLine.Command;

/** The top-level command; every job is a subcommand. */
@Command(
    name = "jdino",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "DINO self-supervised Vision Transformers on the JVM.",
    subcommands = {
      DemoCommand.class,
      TrainCommand.class,
      KnnCommand.class,
      LinearCommand.class,
      FeaturesCommand.class,
      AttentionCommand.class,
      AnimateCommand.class,
      PcaCommand.class,
      CurvesCommand.class,
      ReportCommand.class,
      DiscoverCommand.class,
      BddCommand.class,
      Bdd2CocoCommand.class,
      BenchCommand.class,
      ConvertCommand.class,
      InfoCommand.class,
      picocli.CommandLine.HelpCommand.class
    })
public final class JdinoCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
