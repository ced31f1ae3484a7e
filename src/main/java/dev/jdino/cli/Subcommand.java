package dev.jdino.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code jdino} subcommand shares: {@code --help} and {@code --version}, options listed
 * in the order they are declared (picocli applies a superclass's {@code @Command} attributes to its
 * subclasses), and the streams picocli gives the command (tests capture them).
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
abstract class Subcommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
