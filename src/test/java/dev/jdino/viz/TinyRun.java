package dev.jdino.viz;

import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.TrainOptions;
import dev.jdino.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One tiny trained run (ViT 32/2/2 heads, patch 4, 28 px; 3 epochs of 4 steps on 128 sample images;
 * a snapshot every epoch), made once per test JVM and shared by the visualisation tests: the
 * pictures need real weights but not good ones.
 */
public final class TinyRun {
  public static final int EPOCHS = 3;
  private static Path dir;

  private TinyRun() {}

  /** The run directory (made on first use; deleted when the JVM exits). */
  public static synchronized Path get() throws IOException {
    if (dir == null) {
      Path d = Files.createTempDirectory("jdino-viz-run");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(d)));
      train(d);
      dir = d;
    }
    return dir;
  }

  /** {@link #config}'s network as {@code jdino train} flags, for the tests that train one there. */
  public static final List<String> FLAGS =
      List.of(
          "--embed-dim",
          "32",
          "--depth",
          "2",
          "--num-heads",
          "2",
          "--out-dim",
          "256",
          "--hidden-dim",
          "64",
          "--bottleneck-dim",
          "32");

  /** The tiny configuration. */
  public static DinoConfig config() {
    return config(EPOCHS, 32);
  }

  /**
   * The tiny ViT (32 wide, 2 blocks, 2 heads, K 256) on fmnist-small's crops, shared by the tests
   * that train one.
   */
  public static DinoConfig config(int epochs, int batchSize) {
    return DinoConfig.preset("fmnist-small")
        .with(
            Map.of(
                "vit.embedDim",
                32,
                "vit.depth",
                2,
                "vit.numHeads",
                2,
                "head.outDim",
                256,
                "head.hiddenDim",
                64,
                "head.bottleneckDim",
                32,
                "train.epochs",
                epochs,
                "train.batchSize",
                batchSize,
                "train.warmupEpochs",
                1,
                "augment.localCrops.number",
                2));
  }

  private static void train(Path d) throws IOException {
    TrainOptions o = TrainOptions.defaults(d).withSnapshots(1, false);
    try (DinoTrainer t =
        DinoTrainer.open(config(), o, sample(128), DataSources.SAMPLE, TrainingListener.NONE)) {
      t.train();
    }
  }

  /** The first n training images of the bundled sample. */
  static ImageDataset sample(int n) {
    return DataSources.open(DataSources.SAMPLE).head(n);
  }

  static void delete(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory
    }
  }
}
