package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.train.DinoTrainer;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;

/** Entry point of the {@code jdino} command. */
public final class Main {
  /** Exit status for bad input (also picocli's status for a bad command line). */
  public static final int BAD_INPUT = 2;

  /** Exit status when training diverged (non-finite loss). */
  public static final int DIVERGED = 3;

  private Main() {}

  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("java.awt.headless", "true");
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit status (tests call this). */
  public static int run(String... args) {
    CommandLine cl = commandLine();
    return cl.execute(args);
  }

  /** Runs a command line with the given output streams (tests capture them). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new JdinoCommand());
    ConfigFlags.install(cl.getSubcommands().get("train").getCommandSpec());
    ConfigFlags.install(
        cl.getSubcommands().get("bench").getSubcommands().get("train").getCommandSpec());
    // A mistyped value is bad input like any other: one line and a pointer to the help, not the
    // whole usage text.
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println(
              "jdino: error: "
                  + ex.getMessage()
                  + " (see '"
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help')");
          err.flush();
          return BAD_INPUT;
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          Integer status = report(ex, commandLine.getErr(), "");
          if (status == null) {
            throw ex;
          }
          return status;
        });
    return cl;
  }

  /**
   * Prints the one line of a failure the command line reports as such (bad input, a diverged run),
   * after {@code prefix} (a rank's name, or nothing), and returns its exit status; null for any
   * other failure, which is a bug to show with its stack trace.
   */
  static Integer report(Throwable ex, PrintWriter err, String prefix) {
    Throwable e = unwrap(ex);
    if (e instanceof ConfigException c) {
      e = ConfigFlags.bad(c, null);
    }
    if (e instanceof BadInputException) {
      err.println("jdino: error: " + prefix + e.getMessage());
      err.flush();
      return BAD_INPUT;
    }
    if (e instanceof DinoTrainer.NonFiniteLossStop) {
      err.println("jdino: error: " + prefix + e.getMessage());
      err.flush();
      return DIVERGED;
    }
    return null;
  }

  private static Throwable unwrap(Throwable e) {
    while (e.getCause() != null
        && (e instanceof ExecutionException
            || e instanceof UncheckedIOException && e.getCause() instanceof BadInputException)) {
      e = e.getCause();
    }
    return e;
  }
}
