package dev.jdino.cli;

import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The engine's compute threads of a command that runs a network without training it. */
final class EngineOptions {
  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Engine compute threads (default: all cores).")
  Integer threads;

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  /** Starts the engine with these threads (not given: libtorch's default, all cores). */
  void start() {
    check(threads);
    noteOversubscription(threads, out());
    Torch.start(threads != null ? threads : 0);
  }

  private PrintWriter out() {
    CommandSpec root = mixee == null ? null : mixee.root();
    return root != null && root.commandLine() != null ? root.commandLine().getOut() : null;
  }

  /**
   * Refuses a {@code --threads} below 1: the engine took 0 and negatives silently as its default,
   * which leaving the flag out already says.
   */
  static void check(Integer threads) {
    if (threads != null && threads < 1) {
      throw new BadInputException(
          "--threads " + threads + ": expected at least 1 (leave it out for all cores)");
    }
  }

  /**
   * One line when {@code --threads} asks for more threads than the JVM has cores: allowed (a
   * machine may share its cores unevenly), but the extra threads only wait for each other.
   */
  static void noteOversubscription(Integer threads, PrintWriter out) {
    int cores = Runtime.getRuntime().availableProcessors();
    if (threads != null && threads > cores && out != null) {
      out.println(
          "note: --threads "
              + threads
              + " is more than the "
              + cores
              + (cores == 1 ? " core" : " cores")
              + " this process may use; threads beyond that share cores");
      out.flush();
    }
  }
}
