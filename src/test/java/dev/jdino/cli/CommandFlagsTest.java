package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every flag of the commands below keeps its names, arity, type, required/hidden state and default
 * (the annotation's and the field's initial value) when options move into shared mixins: the table
 * in {@code fixtures/cli/flags.txt} was written from the commands as they were before the mixins
 * (run with {@code -Djdino.writeFlagTable=FILE} to write the current table). Options are listed by
 * name, so their order in the help may change; their descriptions may too.
 *
 * <p>{@code train}, {@code bench train} and {@code demo} are not in the table: their flags belong
 * to {@code ConfigFlags}, {@code RunOptions} and {@code TrainFlagsTest}.
 */
class CommandFlagsTest {
  static final List<String> COMMANDS =
      List.of(
          "knn",
          "linear",
          "features",
          "attention",
          "animate",
          "pca",
          "curves",
          "report",
          "discover",
          "bdd",
          "bdd download",
          "bdd2coco",
          "bench",
          "bench knn",
          "bench data",
          "convert",
          "info");

  /** One line per flag or positional parameter, sorted, per command. */
  static String table() {
    CommandLine root = Main.commandLine();
    StringBuilder out = new StringBuilder();
    for (String path : COMMANDS) {
      CommandLine cl = root;
      for (String name : path.split(" ")) {
        cl = cl.getSubcommands().get(name);
      }
      out.append("[").append(path).append("]\n");
      for (String line : lines(cl.getCommandSpec())) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  private static List<String> lines(CommandSpec spec) {
    Map<String, String> byName = new TreeMap<>();
    for (OptionSpec o : spec.options()) {
      byName.put(
          o.longestName(),
          String.join("|", o.names())
              + " "
              + describe(o)
              + (o.usageHelp() || o.versionHelp() ? " help" : ""));
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      byName.put("#" + p.index(), "#" + p.index() + " " + p.paramLabel() + " " + describe(p));
    }
    return new ArrayList<>(byName.values());
  }

  private static String describe(ArgSpec a) {
    Object initial = a.initialValue();
    String init =
        initial == null
            ? "null"
            : initial.getClass().isArray() ? arrayString(initial) : initial.toString();
    return "type="
        + a.type().getSimpleName()
        + " arity="
        + a.arity()
        + " split="
        + a.splitRegex()
        + " required="
        + a.required()
        + " hidden="
        + a.hidden()
        + " default="
        + a.defaultValue()
        + " initial="
        + init;
  }

  private static String arrayString(Object array) {
    if (array instanceof int[] i) {
      return Arrays.toString(i);
    }
    if (array instanceof double[] d) {
      return Arrays.toString(d);
    }
    if (array instanceof long[] l) {
      return Arrays.toString(l);
    }
    return Arrays.deepToString((Object[]) array);
  }

  @Test
  void flagsAndDefaultsAreWhatTheyWereBeforeTheMixins() throws IOException {
    String now = table();
    String file = System.getProperty("jdino.writeFlagTable");
    if (file != null) {
      Files.writeString(Path.of(file), now);
    }
    String before;
    try (InputStream in = CommandFlagsTest.class.getResourceAsStream("/fixtures/cli/flags.txt")) {
      before = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // Line by line, so that a failure names the flag that changed.
    List<String> was = before.lines().toList();
    List<String> is = now.lines().toList();
    for (String line : was) {
      assertTrue(is.contains(line), "changed or gone: " + line);
    }
    for (String line : is) {
      assertTrue(was.contains(line), "new: " + line);
    }
    assertEquals(before, now);
  }

  @Test
  void theTableSeesMixedInOptionsAndDefaults() {
    // The table itself can tell a change: a mixed-in option with its field's initial value.
    String t = table();
    assertTrue(
        t.contains(
            "--checkpoint-key type=String arity=1 split= required=false"
                + " hidden=false default=null initial=teacher"),
        t);
    assertTrue(
        t.contains(
            "--batch-size type=int arity=1 split= required=false hidden=false"
                + " default=null initial=256"),
        t);
    assertFalse(t.contains("[train]"), t);
  }
}
