package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders cleanly: picocli formats descriptions with {@code
 * String.format}, so a bare {@code %} in a description prints "[picocli WARN] Could not format" on
 * stderr above the help (it did for {@code train --time-budget}); and the first description line,
 * which the parent's command list shows alone, is a whole sentence.
 */
class HelpTextTest {

  private static List<CommandLine> allCommands(CommandLine cl) {
    List<CommandLine> all = new ArrayList<>(List.of(cl));
    for (CommandLine sub : cl.getSubcommands().values()) {
      all.addAll(allCommands(sub));
    }
    return all;
  }

  @Test
  void everyHelpRendersWithoutPicocliWarnings() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<String> failures = new ArrayList<>();
    List<CommandLine> commands = allCommands(Main.commandLine());
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      for (CommandLine cl : commands) {
        captured.reset();
        String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
        String warnings = captured.toString(StandardCharsets.UTF_8);
        if (!warnings.isEmpty() || usage.contains("%n")) {
          failures.add(cl.getCommandSpec().qualifiedName() + ": " + warnings.strip());
        }
      }
    } finally {
      System.setErr(err);
    }
    assertTrue(commands.size() > 20, "walked " + commands.size() + " commands");
    assertEquals(List.of(), failures);
  }

  /**
   * picocli wraps at a line-break opportunity, and a dot before letters is one: "a PyTorch .pth"
   * once printed as "a PyTorch ." and "pth (released..." on the next line.
   */
  @Test
  void noLineBreaksInsideAFileExtension() {
    List<String> split = new ArrayList<>();
    for (CommandLine cl : allCommands(Main.commandLine())) {
      List<String> lines = cl.getUsageMessage(CommandLine.Help.Ansi.OFF).lines().toList();
      for (int i = 0; i + 1 < lines.size(); i++) {
        String line = lines.get(i);
        String next = lines.get(i + 1).strip();
        if ((line.endsWith(" .") || line.endsWith("(."))
            && !next.isEmpty()
            && Character.isLetter(next.charAt(0))) {
          split.add(cl.getCommandSpec().qualifiedName() + ": " + lines.get(i) + " / " + next);
        }
      }
    }
    assertEquals(List.of(), split);
  }

  @Test
  void firstDescriptionLineIsASentence() {
    List<String> cut = new ArrayList<>();
    for (CommandLine cl : allCommands(Main.commandLine())) {
      String[] d = cl.getCommandSpec().usageMessage().description();
      if (d.length == 0) {
        continue;
      }
      String first = d[0].strip();
      if (!(first.endsWith(".") || first.endsWith(")"))) {
        cut.add(cl.getCommandSpec().qualifiedName() + ": " + first);
      }
    }
    assertEquals(List.of(), cut);
  }

  /**
   * picocli prints each description element on lines of its own and wraps it at 80 columns, so a
   * sentence split over elements (hand-wrapped source lines) printed as ragged lines: "... with its
   * floors, attention" / "maps, animation ..." in {@code demo --help}. Every element is a whole
   * paragraph: none continues into the next.
   */
  @Test
  void descriptionElementsAreWholeParagraphs() {
    List<String> split = new ArrayList<>();
    for (CommandLine cl : allCommands(Main.commandLine())) {
      String[] d = cl.getCommandSpec().usageMessage().description();
      for (int i = 0; i + 1 < d.length; i++) {
        String here = d[i].strip();
        String next = d[i + 1].strip();
        boolean ended = here.endsWith(".") || here.endsWith(":");
        if (!ended && !next.isEmpty() && Character.isLowerCase(next.charAt(0))) {
          split.add(cl.getCommandSpec().qualifiedName() + ": " + d[i] + " / " + next);
        }
      }
    }
    assertEquals(List.of(), split);
  }
}
