package dev.jdino.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.engine.Torch;
import dev.jdino.eval.OnlineKnn;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.PretrainedWeights;
import dev.jdino.train.DataParallel;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.Recipes;
import dev.jdino.train.RunDirectory;
import dev.jdino.train.Seeds;
import dev.jdino.train.StepTimer;
import dev.jdino.train.TrainConfig;
import dev.jdino.train.TrainOptions;
import dev.jdino.train.TrainingState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jdino train}: DINO pretraining with the official arguments (kebab-case, from {@link
 * ConfigFlags}). Running it again with the same {@code --output-dir} resumes from the run's
 * checkpoint; flags not given then keep the run's values.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pretrain a Vision Transformer with DINO on unlabelled images.",
      "Without --preset, the fast small-data recipe for the data's kind of images, sized to its"
          + " number of images and the run's length; --preset reference is the official"
          + " main_dino.py defaults, fmnist-small the benchmark configuration. Rerun with the same"
          + " --output-dir to resume."
    })
public final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--preset",
      paramLabel = "NAME",
      description =
          "Start from a preset configuration: fmnist-fast, folder-fast, fmnist-small,"
              + " reference (default: the fast recipe for the data's image size, sized to it).")
  String preset;

  @Option(
      names = "--data",
      paramLabel = "SPEC",
      description =
          "Training images: a folder, an IDX file, idx:<images>[:<labels>], fmnist,"
              + " fmnist-sample, coco:<annotations.json>[:<root>] (default: full Fashion-MNIST if"
              + " installed, else the bundled sample).")
  String data;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description = "Run directory (default: runs/dino).")
  Path outputDir;

  @Option(
      names = "--time-budget",
      paramLabel = "DURATION",
      description =
          "Size a new run to this much training on this machine (e.g. 90s, 3m, 1h):"
              + " the number of epochs follows from the step time measured first on throwaway"
              + " steps, until it settles (at least "
              + StepTimer.MIN_STEPS
              + " steps and "
              + StepTimer.MIN_SECONDS
              + " seconds, at most "
              + StepTimer.MAX_PERCENT
              + " %% of the budget or "
              + StepTimer.SHORT_BUDGET_SECONDS
              + " seconds). The online k-NN (--eval-data) is timed too and its evaluations are"
              + " part of the budget; checkpoints and snapshots come on top.")
  String timeBudget;

  @Option(
      names = "--pretrained-weights",
      paramLabel = "FILE",
      description =
          "Start a new run's student and teacher from these weights (released DINO"
              + " .pth, an official or jdino checkpoint, a timm ViT; its head too when it has one):"
              + " the architecture comes from the file.")
  Path pretrainedWeights;

  @Mixin RunOptions run;

  @Mixin OnlineKnnOptions knn;

  @Mixin DistributedOptions where;

  @Override
  public Integer call() throws Exception {
    if (where.nprocPerNode != null) {
      // Refused here, before mpirun starts the ranks, where it is one line and not N aborts.
      if (where.nprocPerNode > 1 && timeBudget != null) {
        throw budgetInDistributedRun();
      }
      return DistributedRuns.relaunch(spec, where.nprocPerNode);
    }
    return DistributedRuns.run(spec, where, this::train);
  }

  private static BadInputException budgetInDistributedRun() {
    return new BadInputException(
        "--time-budget sizes a run from the step time measured in one process, which the ranks of"
            + " a distributed run would each measure differently; give --epochs instead");
  }

  /** The command on one rank (the only one, unless an MPI launcher started several). */
  private int train(DistributedRuns.Rank rank) throws Exception {
    PrintWriter out = rank.out();
    PrintWriter err = spec.commandLine().getErr();
    int world = rank.world().size();
    if (world > 1 && timeBudget != null) {
      throw budgetInDistributedRun();
    }
    Map<String, Object> overrides = ConfigFlags.overrides(spec.commandLine().getParseResult(), err);
    Path dir = outputDir != null ? outputDir : Path.of("runs", "dino");
    // Every run flag is checked before the recipe is sized or a step time measured: a bad one is
    // refused first, not after lines about the run it would have been.
    run.toOptions(dir);
    boolean fresh = !RunDirectory.hasCheckpoint(dir);
    String dataSpec = data;
    ImageDataset images = null;
    String chosen = preset;
    RunDirectory runDir;
    if (fresh) {
      // Without a preset, the fast recipe for the data's kind of images, sized to it.
      dataSpec = data != null ? data : DataSources.defaultTrainSpec();
      images = DataSources.open(dataSpec);
      chosen = preset != null ? preset : Recipes.fastPresetFor(images);
      if (preset != null) {
        // Data of which nothing can be read is refused before the run writes anything.
        images.firstReadable(1);
      }
    } else {
      startFlagsOnResume(dir, out);
    }
    PretrainedWeights weights = null;
    if (pretrainedWeights != null) {
      // The weights fix the architecture before any setting is checked, so a crop size is
      // checked against their patch size and not the preset's; a resume takes the architecture
      // the run recorded (the file may have moved since).
      if (fresh) {
        weights = PretrainedWeights.open(pretrainedWeights, "teacher");
        overrides.putAll(pretrainedArchitecture(weights, overrides));
      } else {
        recordedArchitecture(dir).forEach(overrides::putIfAbsent);
      }
    }
    List<String> capped = List.of();
    if (fresh) {
      Recipes.Fitted caps = Recipes.capToFit(DinoConfig.preset(chosen), overrides);
      capped = caps.notes();
      Map<String, Object> withCaps = new LinkedHashMap<>(overrides);
      withCaps.putAll(caps.sized());
      runDir = ConfigFlags.openRun(dir, chosen, withCaps, dataSpec);
    } else {
      runDir = ConfigFlags.openRun(dir, chosen, overrides, dataSpec);
    }
    if (images == null) {
      dataSpec = runDir.dataSpec() != null ? runDir.dataSpec() : DataSources.defaultTrainSpec();
      images = DataSources.open(dataSpec);
    }
    if (runDir.resuming()) {
      DataParallel.checkResumable(runDir.checkpoint(), world);
      String moved = runDir.checkData(dataSpec, images.size());
      if (!moved.isEmpty()) {
        out.println("note: " + moved);
      }
    }
    int stepsPerEpoch = DinoTrainer.stepsPerEpoch(images, runDir.config(), world);
    if (runDir.finished(stepsPerEpoch)) {
      out.println(
          "jdino train: the run in "
              + dir
              + " has finished its "
              + TrainConfig.fmt(runDir.config().train().epochs())
              + " epochs; nothing to do (raise"
              + " --epochs to train further, or choose a new --output-dir)");
      return 0;
    }
    if (!runDir.note().isEmpty()) {
      out.println("note: " + runDir.note());
    }
    Map<String, Object> recipe = new LinkedHashMap<>();
    for (String n : capped) {
      out.println("jdino train: " + n);
    }
    // Online k-NN runs on rank 0 alone (DinoTrainer): the others need none of its data. It is
    // opened once, before a budget times it: what it reads of the configuration (the input size
    // and normalisation) is not what fitting the run changes.
    OnlineKnn onlineKnn =
        rank.world().isMain() ? knn.open(runDir.config(), run.toOptions(dir).numWorkers()) : null;
    if (onlineKnn != null && onlineKnn.testIsTraining()) {
      out.println(
          "jdino train: note: --eval-test-data is the --eval-data images: each test image is its"
              + " own nearest neighbour, so knn_top1 measures memory of them, not generalisation");
    }
    if (fresh) {
      recipe.put("capped", capped);
      runDir =
          fit(
              runDir,
              overrides,
              images,
              onlineKnn,
              stepsPerEpoch,
              chosen,
              preset == null,
              recipe,
              out);
    }
    TrainOptions options =
        run.spreadSnapshots(
            run.toOptions(dir, out, err), runDir.config().train().totalSteps(stepsPerEpoch));
    Torch.start(rank.threads(options.threads()));
    float[] init = null;
    if (weights != null) {
      PretrainedWeights.InitialValues v = initialValues(weights, runDir.config());
      out.println("jdino train: " + v.description());
      recipe.put("pretrained_weights", v.description());
      init = v.values();
    }
    try (TrainingState state = runDir.state(stepsPerEpoch, init, options.compute())) {
      Training.printSummary(
          Training.train(
              new Training.Job(
                  state, options, images, dataSpec, onlineKnn, recipe, rank.parallel()),
              out),
          out);
    }
    return 0;
  }

  /**
   * The backbone (and head, if the file has one) settings of the pretrained weights; a flag that
   * says otherwise is refused.
   */
  private static Map<String, Object> pretrainedArchitecture(
      PretrainedWeights w, Map<String, Object> overrides) {
    Object heads = overrides.get("vit.numHeads");
    PretrainedWeights.Architecture a = w.architecture(heads == null ? null : (Integer) heads);
    Map<String, Object> arch = new LinkedHashMap<>();
    arch.put("vit.patchSize", a.vit().patchSize());
    arch.put("vit.embedDim", a.vit().embedDim());
    arch.put("vit.depth", a.vit().depth());
    arch.put("vit.numHeads", a.vit().numHeads());
    arch.put("vit.mlpRatio", a.vit().mlpRatio());
    arch.put("vit.qkvBias", a.vit().qkvBias());
    a.head()
        .ifPresent(
            h -> {
              arch.put("head.outDim", h.outDim());
              arch.put("head.hiddenDim", h.hiddenDim());
              arch.put("head.bottleneckDim", h.bottleneckDim());
              arch.put("head.nlayers", h.nlayers());
              arch.put("head.normLastLayer", h.normLastLayer());
            });
    for (Map.Entry<String, Object> e : arch.entrySet()) {
      Object given = overrides.get(e.getKey());
      if (given != null
          && !String.valueOf(given).equals(String.valueOf(e.getValue()))
          && !(given instanceof Number g
              && e.getValue() instanceof Number v
              && g.doubleValue() == v.doubleValue())) {
        ConfigFlags.Flag f = ConfigFlags.flagFor(e.getKey());
        throw new BadInputException(
            (f != null ? f.name() : e.getKey())
                + " "
                + given
                + " contradicts the pretrained weights in "
                + w.source()
                + " ("
                + e.getValue()
                + ")");
      }
    }
    return arch;
  }

  /** The architecture a run recorded in its args.json (empty if it cannot be read). */
  private static Map<String, Object> recordedArchitecture(Path dir) {
    Map<String, Object> arch = new LinkedHashMap<>();
    JsonNode config;
    try {
      config = Json.read(dir.resolve("args.json")).path("config");
    } catch (BadInputException unreadable) {
      return arch;
    }
    for (String key :
        List.of(
            "vit.patchSize",
            "vit.embedDim",
            "vit.depth",
            "vit.numHeads",
            "vit.mlpRatio",
            "vit.qkvBias",
            "head.outDim",
            "head.hiddenDim",
            "head.bottleneckDim",
            "head.nlayers",
            "head.normLastLayer")) {
      String[] part = key.split("\\.");
      JsonNode v = config.path(part[0]).path(part[1]);
      if (v.isInt()) {
        arch.put(key, v.asInt());
      } else if (v.isNumber()) {
        arch.put(key, v.asDouble());
      } else if (v.isBoolean()) {
        arch.put(key, v.asBoolean());
      }
    }
    return arch;
  }

  /** The pretrained values laid out for the run's network (position embedding resized). */
  private static PretrainedWeights.InitialValues initialValues(PretrainedWeights w, DinoConfig c) {
    try (NDManager m = Torch.newManager();
        DinoNetwork net = new DinoNetwork(c.vit(), c.head(), m)) {
      return w.initialValues(net.layout(), Seeds.derive(c.train().seed(), "init"));
    }
  }

  /**
   * {@code --time-budget} and {@code --pretrained-weights} shape a run when it starts. "Run the
   * same command to resume" must hold for a run they started, so there they are taken, with a note;
   * on a run they did not start (another budget, no weights) they are refused: they would not do
   * what they say.
   */
  private void startFlagsOnResume(Path dir, PrintWriter out) {
    JsonNode recipe = MissingNode.getInstance();
    try {
      recipe = Json.read(dir.resolve("args.json")).path("recipe");
    } catch (BadInputException unreadable) {
      // a run without its args.json still resumes; the flags cannot be compared then
    }
    String further = " (raise --epochs to train it further, or choose a new --output-dir)";
    if (timeBudget != null) {
      double asked = Durations.seconds(timeBudget, "--time-budget");
      JsonNode sized = recipe.path("time_budget_s");
      if (!sized.isNumber() || Math.abs(sized.asDouble() - asked) > 1e-6 * asked) {
        throw new BadInputException(
            "--time-budget "
                + timeBudget
                + ": the run in "
                + dir
                + (sized.isNumber()
                    ? String.format(
                        Locale.ROOT, " was sized to a budget of %.0f s", sized.asDouble())
                    : " was not sized by this time budget")
                + "; resume it without --time-budget"
                + further);
      }
      out.println(
          "note: --time-budget "
              + timeBudget
              + " sized this run when it started; it resumes as sized"
              + further);
    }
    if (pretrainedWeights != null) {
      if (recipe.path("pretrained_weights").isMissingNode()) {
        throw new BadInputException(
            "--pretrained-weights starts new runs only; the run in "
                + dir
                + " did not start from weights; resume it without --pretrained-weights"
                + further);
      }
      out.println(
          "note: this run started from pretrained weights; it resumes from its checkpoint, not"
              + " from "
              + pretrainedWeights);
    }
  }

  /**
   * A new run's configuration fitted to its data and length: the time budget turned into epochs,
   * then the recipe sized (no preset named) or capped ({@link Recipes#fit}); each change is one
   * line on the console and an entry in args.json's {@code recipe}.
   */
  private RunDirectory fit(
      RunDirectory runDir,
      Map<String, Object> overrides,
      ImageDataset images,
      OnlineKnn onlineKnn,
      int stepsPerEpoch,
      String presetName,
      boolean size,
      Map<String, Object> recipe,
      PrintWriter out) {
    DinoConfig c = runDir.config();
    recipe.put("preset", presetName);
    recipe.put("chosen", size ? "no --preset: the fast recipe for these images" : "--preset");
    Set<String> explicit = new HashSet<>(overrides.keySet());
    // What the step computes is fixed first, so that a budget times the model the run trains.
    Recipes.Fitted model = Recipes.fitModel(c, explicit, images.size(), size);
    c = model.config();
    if (timeBudget != null) {
      if (overrides.containsKey("train.epochs")) {
        throw new BadInputException(
            "--time-budget and --epochs both set the run's length; give" + " one of them");
      }
      Torch.start(run.threads != null ? run.threads : 0);
      TrainOptions o = run.toOptions(runDir.dir(), out, spec.commandLine().getErr());
      c =
          TimeBudget.size(
              timeBudget, c, images, o, onlineKnn, stepsPerEpoch, overrides, recipe, out);
      explicit.add("train.epochs");
    }
    Recipes.Fitted f = Recipes.fit(c, explicit, images.size(), stepsPerEpoch, size);
    List<String> changes = new ArrayList<>(model.notes());
    changes.addAll(f.notes());
    for (String n : changes) {
      out.println("jdino train: " + n);
    }
    recipe.put("sized", size);
    recipe.put("changes", changes);
    return runDir.withConfig(f.config(), runDir.note());
  }
}
