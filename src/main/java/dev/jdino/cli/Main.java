package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.StepTimer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;

/** Entry point of the {@code jdino} command. */
public final class Main {
  /** Exit status for bad input (also picocli's status for a bad command line). */
  public static final int BAD_INPUT = 2;

  /** Exit status when training diverged (non-finite loss). */
  public static final int DIVERGED = 3;

  /**
   * Exit status when the system refused a read or a write (a full disk, a permission, a path
   * through a file): the environment's failure, not a bug, so one line and no stack trace. Files
   * are written atomically, so none is left half written.
   */
  public static final int IO_FAILURE = 5;

  /** Exit status after Ctrl-C (128 + SIGINT, the shell's convention and the JVM's own). */
  public static final int INTERRUPTED = 130;

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
                  + didYouMean(ex)
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
   * The closest options to a mistyped one ({@code --out} for {@code --output-dir}), as picocli
   * finds them; empty for any other error.
   */
  static String didYouMean(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.UnmatchedArgumentException u)) {
      return "";
    }
    List<String> unmatched = u.getUnmatched();
    if (unmatched.isEmpty()) {
      return "";
    }
    String typed = unmatched.get(0).split("=", 2)[0];
    // picocli ranks every option by shared letter pairs, so "--bogus" would get
    // "--bottleneck-dim": only a completion of what was typed, or a slip of a letter or two, helps.
    List<String> close =
        u.getSuggestions().stream()
            .filter(c -> c.startsWith(typed) || editDistance(typed, c) <= 2)
            .limit(3)
            .toList();
    return close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?";
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character each. */
  static int editDistance(String a, String b) {
    int[] row = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      row[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int diagonal = row[0];
      row[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int above = row[j];
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + cost);
        diagonal = above;
      }
    }
    return row[b.length()];
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
    if (e instanceof StepTimer.Interrupted) {
      return INTERRUPTED; // the command has said so on its console
    }
    if (e instanceof DinoTrainer.NonFiniteLossStop) {
      err.println("jdino: error: " + prefix + e.getMessage());
      err.flush();
      return DIVERGED;
    }
    if (e instanceof UncheckedIOException u) {
      e = u.getCause();
    }
    if (e instanceof IOException io) {
      err.println("jdino: error: " + prefix + describe(io));
      err.flush();
      return IO_FAILURE;
    }
    return null;
  }

  /** An I/O failure in words: java.nio's exceptions carry the path, not what went wrong. */
  static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String what =
          f instanceof NoSuchFileException
              ? "no such file or folder"
              : f instanceof AccessDeniedException
                  ? "permission denied"
                  : f instanceof FileAlreadyExistsException
                      ? "exists, where a folder or a new file was needed"
                      : f instanceof NotDirectoryException
                          ? "is not a folder"
                          : f.getReason() != null ? f.getReason() : "cannot be read or written";
      String reason =
          f.getReason() != null && !what.equals(f.getReason()) ? " (" + f.getReason() + ")" : "";
      return f.getFile()
          + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "")
          + ": "
          + what
          + reason;
    }
    String m = e.getMessage();
    return "I/O failure: " + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m);
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
