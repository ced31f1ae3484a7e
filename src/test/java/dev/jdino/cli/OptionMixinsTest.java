package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import dev.jdino.viz.Curves;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A flag that several commands share is declared once, in its mixin, and every command that has it
 * gets it from there; each mixin's defaults resolve as the commands did before.
 */
class OptionMixinsTest {
  /** Shared flag: its mixin and the commands that have it. */
  private static final Map<String, Map.Entry<Class<?>, List<String>>> SHARED =
      Map.ofEntries(
          Map.entry(
              "--checkpoint",
              Map.entry(
                  CheckpointOptions.class,
                  List.of("knn", "linear", "features", "attention", "pca", "discover"))),
          Map.entry(
              "--checkpoint-key",
              Map.entry(
                  BackboneKeyOptions.class,
                  List.of("knn", "linear", "features", "attention", "pca", "discover", "info"))),
          Map.entry(
              "--num-heads",
              Map.entry(
                  BackboneKeyOptions.class,
                  List.of("knn", "linear", "features", "attention", "pca", "discover", "info"))),
          Map.entry(
              "--mean",
              Map.entry(
                  NormalizationOptions.class,
                  List.of("knn", "linear", "features", "attention", "pca"))),
          Map.entry(
              "--batch-size",
              Map.entry(
                  ExtractionOptions.class, List.of("knn", "linear", "features", "bench knn"))),
          Map.entry(
              "--num-workers",
              Map.entry(
                  ExtractionOptions.class, List.of("knn", "linear", "features", "bench knn"))),
          Map.entry(
              "--threads",
              Map.entry(
                  EngineOptions.class,
                  List.of("knn", "linear", "features", "bench knn", "discover"))),
          Map.entry("--train-data", Map.entry(LabelledDataOptions.class, List.of("knn", "linear"))),
          Map.entry("--test-data", Map.entry(LabelledDataOptions.class, List.of("knn", "linear"))),
          Map.entry("--k", Map.entry(NeighbourOptions.class, List.of("knn", "bench knn"))),
          Map.entry(
              "--images", Map.entry(ImagesOptions.class, List.of("attention", "pca", "animate"))),
          Map.entry("--image-size", Map.entry(ImageSizeOptions.class, List.of("attention", "pca"))),
          Map.entry(
              "--no-keep-aspect", Map.entry(ImageSizeOptions.class, List.of("attention", "pca"))),
          Map.entry(
              "--threshold",
              Map.entry(MaskOptions.class, List.of("attention", "animate", "discover"))),
          Map.entry(
              "--scale", Map.entry(PictureOptions.class, List.of("attention", "animate", "pca"))),
          Map.entry(
              "--run", Map.entry(RunDirOptions.class, List.of("animate", "curves", "report"))),
          Map.entry(
              "--output-dir",
              Map.entry(OutputDirOptions.class, List.of("attention", "pca", "curves"))),
          Map.entry("--by-epoch", Map.entry(CurveOptions.class, List.of("curves", "report"))));

  private static CommandLine command(CommandLine root, String path) {
    CommandLine cl = root;
    for (String name : path.split(" ")) {
      cl = cl.getSubcommands().get(name);
    }
    return cl;
  }

  @Test
  void everySharedFlagComesFromItsMixin() {
    CommandLine root = Main.commandLine();
    for (var e : SHARED.entrySet()) {
      for (String path : e.getValue().getValue()) {
        OptionSpec o = command(root, path).getCommandSpec().findOption(e.getKey());
        assertTrue(o != null, path + " has " + e.getKey());
        Field f = (Field) o.userObject();
        assertEquals(e.getValue().getKey(), f.getDeclaringClass(), path + " " + e.getKey());
      }
    }
  }

  /** The command object of {@code args} after parsing (its mixins filled in). */
  private static <T> T parsed(Class<T> type, String... args) {
    CommandLine root = Main.commandLine();
    List<CommandLine> chain = root.parseArgs(args).asCommandLineList();
    return type.cast(chain.get(chain.size() - 1).getCommand());
  }

  @Test
  void outputDirIsNamedAfterTheCommand() {
    PcaCommand pca = parsed(PcaCommand.class, "pca", "--checkpoint", "c");
    assertEquals(Path.of("runs/a/pca"), pca.output.dir(Optional.of(Path.of("runs/a"))));
    assertEquals(Path.of("pca"), pca.output.dir(Optional.empty()));
    AttentionCommand att = parsed(AttentionCommand.class, "attention", "--checkpoint", "c");
    assertEquals(Path.of("attention"), att.output.dir(Optional.empty()));
    CurvesCommand curves = parsed(CurvesCommand.class, "curves", "--run", "r", "--output-dir", "o");
    assertEquals(Path.of("o"), curves.output.dir(Optional.of(Path.of("r"))));
    assertEquals(Curves.XAxis.STEPS, curves.curves.xAxis());
    ReportCommand report = parsed(ReportCommand.class, "report", "--run", "r", "--by-epoch");
    assertEquals(Curves.XAxis.EPOCHS, report.curves.xAxis());
  }

  @Test
  void theMaskShareIsCheckedTheSameEverywhere() {
    assertEquals(
        0.6,
        parsed(DiscoverCommand.class, "discover", "--checkpoint", "c", "--data", "coco:x")
            .mask
            .share());
    assertEquals(
        1.0,
        parsed(AnimateCommand.class, "animate", "--run", "r", "--threshold", "1").mask.share());
    for (String bad : new String[] {"0", "1.5", "-0.2", "NaN"}) {
      AttentionCommand a =
          parsed(AttentionCommand.class, "attention", "--checkpoint", "c", "--threshold", bad);
      BadInputException e = assertThrows(BadInputException.class, () -> a.mask.share());
      assertTrue(e.getMessage().startsWith("--threshold "), e.getMessage());
      assertTrue(e.getMessage().endsWith(": expected a share in (0, 1]"), e.getMessage());
    }
  }

  @Test
  void runImagesAndDataDefaults() {
    AnimateCommand an = parsed(AnimateCommand.class, "animate", "--run", "runs/a");
    assertEquals(Path.of("runs/a/animation.gif"), an.run.orInRun(null, "animation.gif"));
    assertEquals(Path.of("x.gif"), an.run.orInRun(Path.of("x.gif"), "animation.gif"));
    assertNull(an.images.images);
    PcaCommand pca = parsed(PcaCommand.class, "pca", "--checkpoint", "c", "--images", "fmnist");
    assertEquals("fmnist", pca.images.orTestImagesOf(Path.of("c")));
    LinearCommand lin = parsed(LinearCommand.class, "linear", "--checkpoint", "c");
    assertEquals("fmnist:test", lin.data.testSpec("fmnist"));
    assertEquals("fmnist-sample:test", lin.data.testSpec("fmnist-sample:train"));
    KnnCommand knn =
        parsed(KnnCommand.class, "knn", "--checkpoint", "c", "--test-data", "t", "--k", "5,7");
    assertEquals("t", knn.data.testSpec("fmnist"));
    assertArrayEquals(new int[] {5, 7}, knn.neighbours.options().ks());
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> parsed(LinearCommand.class, "linear", "--checkpoint", "c").data.testSpec("/d"));
    assertTrue(e.getMessage().startsWith("--test-data is required"), e.getMessage());
  }

  @Test
  void extractionSettingsAreCheckedAsBadInput() {
    BenchKnnCommand b = parsed(BenchKnnCommand.class, "bench", "knn", "--batch-size", "0");
    BadInputException e = assertThrows(BadInputException.class, () -> b.extraction.options(true));
    assertEquals("--batch-size must be >= 1, got 0", e.getMessage());
    FeaturesCommand f =
        parsed(
            FeaturesCommand.class,
            "features",
            "--checkpoint",
            "c",
            "--data",
            "d",
            "--output",
            "o",
            "--num-workers",
            "3");
    assertEquals(256, f.model.extraction(false).batchSize());
    assertEquals(3, f.model.extraction(false).workers());
    assertEquals(false, f.model.extraction(false).l2Normalize());
    KnnCommand k = parsed(KnnCommand.class, "knn", "--checkpoint", "c", "--k", "3,0");
    assertEquals(
        "--k values must be >= 1, got 0",
        assertThrows(BadInputException.class, () -> k.neighbours.options()).getMessage());
  }
}
