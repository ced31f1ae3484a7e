package dev.jdino.cli;

import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.BadInputException;
import dev.jdino.train.Checkpoint;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.TrainOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jdino train}: DINO pretraining with the official arguments (kebab-case). Running it again
 * with the same {@code --output-dir} resumes from the run's checkpoint; flags not given then keep
 * the run's values.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pretrain a Vision Transformer with DINO on unlabelled images.",
      "Defaults are the reference's (ViT-S/16, 224 px); --preset fmnist-small is the small",
      "benchmark configuration. Rerun with the same --output-dir to resume."
    })
public final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--preset", description = "Start from a preset configuration: fmnist-small.")
  String preset;

  @Option(names = "--data", paramLabel = "SPEC",
      description = "Training images: a folder, an IDX file, idx:<images>[:<labels>], fmnist,"
          + " fmnist-sample (default: full Fashion-MNIST if installed, else the bundled sample).")
  String data;

  @Option(names = "--output-dir", paramLabel = "DIR", description = "Run directory (default: runs/dino).")
  Path outputDir;

  // --- backbone
  @Option(names = "--arch", description = "vit_tiny, vit_small or vit_base (default vit_small).")
  String arch;

  @Option(names = "--patch-size", description = "Patch size (default 16).")
  Integer patchSize;

  @Option(names = "--embed-dim", description = "Custom token width.")
  Integer embedDim;

  @Option(names = "--depth", description = "Custom number of blocks.")
  Integer depth;

  @Option(names = "--num-heads", description = "Custom number of attention heads.")
  Integer numHeads;

  @Option(names = "--mlp-ratio", description = "MLP hidden width / embed dim (default 4).")
  Double mlpRatio;

  @Option(names = "--drop-path-rate", description = "Student stochastic depth (default 0.1).")
  Double dropPathRate;

  // --- head
  @Option(names = "--out-dim", description = "Prototypes K (default 65536).")
  Integer outDim;

  @Option(names = "--hidden-dim", description = "Head MLP width (default 2048).")
  Integer hiddenDim;

  @Option(names = "--bottleneck-dim", description = "Head bottleneck (default 256).")
  Integer bottleneckDim;

  @Option(names = "--head-nlayers", description = "Linear layers in the head MLP (default 3).")
  Integer headNlayers;

  @Option(names = "--norm-last-layer", arity = "1", paramLabel = "BOOL",
      description = "Freeze the last layer's weight-norm gain (default true).")
  Boolean normLastLayer;

  // --- loss and teacher
  @Option(names = "--momentum-teacher", description = "Initial teacher EMA momentum (default 0.996).")
  Double momentumTeacher;

  @Option(names = "--warmup-teacher-temp", description = "Initial teacher temperature (default 0.04).")
  Double warmupTeacherTemp;

  @Option(names = "--teacher-temp", description = "Teacher temperature after warm-up (default 0.04).")
  Double teacherTemp;

  @Option(names = "--warmup-teacher-temp-epochs", description = "Teacher temperature warm-up (default 0).")
  Integer warmupTeacherTempEpochs;

  // --- optimisation
  @Option(names = "--epochs", description = "Epochs (default 100).")
  Integer epochs;

  @Option(names = "--batch-size", description = "Source images per step (default 64).")
  Integer batchSize;

  @Option(names = "--lr", description = "Base lr; peak = lr * batch / 256 (default 0.0005).")
  Double lr;

  @Option(names = "--min-lr", description = "Final lr (default 1e-6).")
  Double minLr;

  @Option(names = "--warmup-epochs", description = "Linear lr warm-up epochs (default 10).")
  Integer warmupEpochs;

  @Option(names = "--weight-decay", description = "Initial weight decay (default 0.04).")
  Double weightDecay;

  @Option(names = "--weight-decay-end", description = "Final weight decay (default 0.4).")
  Double weightDecayEnd;

  @Option(names = "--clip-grad", description = "Per-tensor gradient norm clip, 0 = off (default 3.0).")
  Double clipGrad;

  @Option(names = "--freeze-last-layer", description = "Epochs with a frozen last layer (default 1).")
  Integer freezeLastLayer;

  @Option(names = "--seed", description = "Seed of every random choice (default 0).")
  Long seed;

  // --- multi-crop
  @Option(names = "--global-crop-size", description = "Global crop side (default 224).")
  Integer globalCropSize;

  @Option(names = "--global-crops-scale", arity = "2", paramLabel = "X",
      description = "Global crop area range (default 0.4 1.0).")
  double[] globalCropsScale;

  @Option(names = "--local-crops-number", description = "Local crops per image (default 8).")
  Integer localCropsNumber;

  @Option(names = "--local-crop-size", description = "Local crop side (default 96).")
  Integer localCropSize;

  @Option(names = "--local-crops-scale", arity = "2", paramLabel = "X",
      description = "Local crop area range (default 0.05 0.4).")
  double[] localCropsScale;

  @Option(names = "--blur-sigma", arity = "2", paramLabel = "X",
      description = "Gaussian blur sigma range (default 0.1 2.0).")
  double[] blurSigma;

  @Option(names = "--normalize-mean", arity = "3", paramLabel = "X",
      description = "Normalisation mean, RGB (default ImageNet).")
  double[] normalizeMean;

  @Option(names = "--normalize-std", arity = "3", paramLabel = "X",
      description = "Normalisation std, RGB (default ImageNet).")
  double[] normalizeStd;

  // --- run
  @Option(names = "--saveckp-freq", description = "Keep checkpoint-NNNN every N epochs (default 20).")
  Integer saveckpFreq;

  @Option(names = "--num-workers", description = "Augmentation threads (default 2).")
  Integer numWorkers;

  @Option(names = "--threads", description = "Engine compute threads (default: all cores).")
  Integer threads;

  @Option(names = "--log-every", description = "Steps between metrics.jsonl step records (default 10).")
  Integer logEvery;

  @Option(names = "--snapshot-every", paramLabel = "N[s]",
      description = "Save a teacher-backbone snapshot every N epochs, or N steps with suffix s"
          + " (e.g. 500s); default off.")
  String snapshotEvery;

  @Option(names = "--max-steps", description = "Stop after this many steps (with a checkpoint).")
  Long maxSteps;

  // --- online k-NN of the teacher (dev.jdino.eval.OnlineKnn)
  @Option(names = "--eval-data", paramLabel = "SPEC",
      description = "Labelled images for an online k-NN (k=20) of the teacher: knn_top1 in metrics.jsonl.")
  String evalData;

  @Option(names = "--eval-test-data", paramLabel = "SPEC",
      description = "Labelled test images of the online k-NN (default: the test split of a Fashion-MNIST --eval-data).")
  String evalTestData;

  @Option(names = "--eval-every", paramLabel = "N", description = "Online k-NN every N epochs (default 1).")
  Integer evalEvery;

  @Option(names = "--eval-subset", paramLabel = "M",
      description = "Online k-NN on a fixed subset of at most M training and M test images (default: all).")
  Integer evalSubset;

  /** Flags that belong to the DINO configuration (the rest describe how the run is carried out). */
  private static final java.util.Set<String> RUN_FLAGS =
      java.util.Set.of("--preset", "--data", "--output-dir", "--saveckp-freq", "--num-workers",
          "--threads", "--log-every", "--snapshot-every", "--max-steps", "--help", "--version",
          "--eval-data", "--eval-test-data", "--eval-every", "--eval-subset");

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Setup s;
    try {
      s = prepare(spec, this);
    } catch (AlreadyFinished done) {
      out.println("jdino train: " + done.getMessage() + "; nothing to do (raise --epochs to train"
          + " further, or choose a new --output-dir)");
      return 0;
    }
    return Training.run(s, out, spec.commandLine().getErr());
  }

  /** Everything a training run needs, validated, with nothing written yet. */
  record Setup(DinoConfig config, TrainOptions options, ImageDataset data, String dataSpec,
      boolean resuming, String note, dev.jdino.eval.OnlineKnn onlineKnn) {}

  static Setup prepare(CommandSpec spec, TrainCommand c) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
      String name = o.longestName();
      if (!RUN_FLAGS.contains(name)) {
        overrides.put(name, o.getValue());
      }
    }
    Path dir = c.outputDir != null ? c.outputDir : Path.of("runs", "dino");
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new BadInputException("--output-dir " + dir + " exists and is not a directory");
    }
    Path ckpt = dir.resolve(Checkpoint.FILE);
    boolean resuming = Files.exists(ckpt);
    DinoConfig config;
    String note = "";
    String dataSpec = c.data;
    try {
      if (resuming) {
        Checkpoint.Loaded loaded = Checkpoint.open(ckpt);
        DinoConfig saved = loaded.state().config();
        config = saved.withFlags(overrides);
        if (c.preset != null) {
          DinoConfig fromPreset = DinoConfig.preset(c.preset).withFlags(overrides);
          if (!sameExceptEpochs(fromPreset, config)) {
            throw new BadInputException("--preset " + c.preset + " differs from the configuration of"
                + " the run in " + dir + "; resume without --preset, or use a new --output-dir");
          }
        }
        Map<String, Object> before = saved.toFlags();
        Map<String, Object> after = config.toFlags();
        for (String k : before.keySet()) {
          if (!k.equals("--epochs") && !valueEquals(before.get(k), after.get(k))) {
            throw new BadInputException(k + " " + show(after.get(k)) + " differs from the run in "
                + dir + " (" + show(before.get(k)) + "); resume with the same settings or use a new"
                + " --output-dir");
          }
        }
        if (config.train().epochs() != saved.train().epochs()) {
          note = String.format(Locale.ROOT, "--epochs changed from %d to %d: the schedules are"
              + " recomputed for %d epochs", saved.train().epochs(), config.train().epochs(),
              config.train().epochs());
        }
        if (dataSpec == null) {
          dataSpec = loaded.state().data();
        }
        if (loaded.state().finished() && config.train().epochs() <= loaded.state().epoch()) {
          throw new AlreadyFinished(dir, loaded.state().epoch());
        }
      } else {
        DinoConfig base = c.preset != null ? DinoConfig.preset(c.preset) : DinoConfig.defaults();
        config = base.withFlags(overrides);
      }
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    if (dataSpec == null) {
      dataSpec = DataSources.defaultTrainSpec();
    }
    ImageDataset data = DataSources.open(dataSpec);
    TrainOptions defaults = TrainOptions.defaults(dir);
    int every = 0;
    boolean inSteps = false;
    if (c.snapshotEvery != null) {
      String v = c.snapshotEvery.trim().toLowerCase(Locale.ROOT);
      inSteps = v.endsWith("s");
      try {
        every = Integer.parseInt(inSteps ? v.substring(0, v.length() - 1) : v);
      } catch (NumberFormatException e) {
        every = -1;
      }
      if (every < 1) {
        throw new BadInputException("--snapshot-every " + c.snapshotEvery
            + ": expected a number of epochs (e.g. 1) or of steps with suffix s (e.g. 500s)");
      }
    }
    TrainOptions options;
    try {
      options = new TrainOptions(dir,
          c.numWorkers != null ? c.numWorkers : defaults.numWorkers(),
          c.saveckpFreq != null ? c.saveckpFreq : defaults.saveckpFreq(),
          c.logEvery != null ? c.logEvery : defaults.logEvery(),
          every, inSteps,
          c.threads != null ? c.threads : 0,
          c.maxSteps != null ? c.maxSteps : 0);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    dev.jdino.eval.OnlineKnn knn = null;
    if (c.evalData != null) {
      knn = dev.jdino.eval.OnlineKnn.open(c.evalData, c.evalTestData,
          c.evalEvery != null ? c.evalEvery : 1, c.evalSubset != null ? c.evalSubset : 0, config,
          options.numWorkers());
    } else if (c.evalTestData != null || c.evalEvery != null || c.evalSubset != null) {
      throw new BadInputException("--eval-test-data, --eval-every and --eval-subset need --eval-data");
    }
    return new Setup(config, options, data, dataSpec, resuming, note, knn);
  }

  static boolean sameExceptEpochs(DinoConfig a, DinoConfig b) {
    Map<String, Object> fa = a.toFlags();
    Map<String, Object> fb = b.toFlags();
    fa.remove("--epochs");
    fb.remove("--epochs");
    for (String k : fa.keySet()) {
      if (!valueEquals(fa.get(k), fb.get(k))) {
        return false;
      }
    }
    return true;
  }

  private static boolean valueEquals(Object a, Object b) {
    if (a instanceof double[] x && b instanceof double[] y) {
      return java.util.Arrays.equals(x, y);
    }
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    return java.util.Objects.equals(a, b);
  }

  private static String show(Object v) {
    return v instanceof double[] d ? java.util.Arrays.toString(d) : String.valueOf(v);
  }

  /** The run in the output directory has already done all its epochs. */
  static final class AlreadyFinished extends RuntimeException {
    final Path dir;
    final int epochs;

    AlreadyFinished(Path dir, int epochs) {
      super("the run in " + dir + " has finished its " + epochs + " epochs");
      this.dir = dir;
      this.epochs = epochs;
    }
  }

  /** For subclasses of the run machinery: a trainer from a prepared setup. */
  static DinoTrainer trainer(Setup s, dev.jdino.train.TrainingListener listener) {
    DinoTrainer t = new DinoTrainer(s.config(), s.options(), s.data(), s.dataSpec(), listener);
    if (s.onlineKnn() != null) {
      t.addHook(s.onlineKnn().messages(listener::message));
    }
    return t;
  }
}
