package dev.jdino.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.model.VitConfig;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.RunDirectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The one table from command-line flags to {@link DinoConfig} settings: each flag names the
 * settings it writes by their JSON path, and its help text shows the reference default read from
 * {@link DinoConfig#defaults()}. {@code train} and {@code bench train} install it; errors that a
 * record raises about a setting come back here to be said with the flag's name.
 *
 * <p>Flags follow the official main_dino.py arguments in kebab-case; the rest are jdino's (DINOv2's
 * KoLeo and Sinkhorn-Knopp, the blur and solarisation probabilities).
 */
final class ConfigFlags {

  /**
   * One flag: its names (the first is canonical; the others are hidden, deprecated aliases), the
   * paths it writes and how its value becomes theirs.
   */
  record Flag(
      String name,
      List<String> deprecated,
      Class<?> type,
      String arity,
      String label,
      String help,
      List<String> paths,
      Function<Object, Map<String, Object>> values) {}

  static final List<Flag> FLAGS = new ArrayList<>();

  static {
    // --- backbone
    add(
        new Flag(
            "--arch",
            List.of(),
            String.class,
            "1",
            "NAME",
            "vit_tiny, vit_small or vit_base: sets the embed dim, depth and heads (default"
                + " vit_small).",
            List.of("vit.embedDim", "vit.depth", "vit.numHeads", "vit.mlpRatio"),
            ConfigFlags::arch));
    scalar("--patch-size", Integer.class, "Patch size", "vit.patchSize");
    scalar("--embed-dim", Integer.class, "Token width", "vit.embedDim");
    scalar("--depth", Integer.class, "Number of blocks", "vit.depth");
    scalar("--num-heads", Integer.class, "Attention heads", "vit.numHeads");
    scalar("--mlp-ratio", Double.class, "MLP hidden width / embed dim", "vit.mlpRatio");
    scalar("--drop-path-rate", Double.class, "Student stochastic depth", "vit.dropPathRate");
    // --- head
    scalar("--out-dim", Integer.class, "Prototypes K", "head.outDim");
    scalar("--hidden-dim", Integer.class, "Head MLP width", "head.hiddenDim");
    scalar("--bottleneck-dim", Integer.class, "Head bottleneck", "head.bottleneckDim");
    scalar("--head-nlayers", Integer.class, "Linear layers in the head MLP", "head.nlayers");
    scalar(
        "--norm-last-layer",
        Boolean.class,
        "Freeze the last layer's weight-norm gain",
        "head.normLastLayer");
    // --- loss and teacher
    scalar(
        "--momentum-teacher",
        Double.class,
        "Initial teacher EMA momentum (cosine to --momentum-teacher-end)",
        "train.momentumTeacher");
    scalar(
        "--momentum-teacher-end",
        Double.class,
        "Final teacher EMA momentum (1 in the official code)",
        "train.momentumTeacherEnd");
    scalar(
        "--warmup-teacher-temp",
        Double.class,
        "Initial teacher temperature",
        "loss.warmupTeacherTemp");
    scalar("--teacher-temp", Double.class, "Teacher temperature after warm-up", "loss.teacherTemp");
    scalar(
        "--warmup-teacher-temp-epochs",
        Integer.class,
        "Teacher temperature warm-up, epochs",
        "loss.warmupTeacherTempEpochs");
    add(
        new Flag(
            "--centering",
            List.of(),
            String.class,
            "1",
            "ema|sinkhorn-knopp",
            "How teacher outputs are centred: DINO's EMA centre or DINOv2's Sinkhorn-Knopp%s.",
            List.of("loss.centering"),
            v ->
                Map.of("loss.centering", v.toString().toUpperCase(Locale.ROOT).replace('-', '_'))));
    scalar(
        "--koleo-weight",
        Double.class,
        "Weight of DINOv2's KoLeo regulariser on the student's global CLS features (0: off)",
        "loss.koleoWeight");
    // --- optimisation
    scalar(
        "--epochs", Double.class, "Epochs (a fraction ends inside the last one)", "train.epochs");
    scalar("--batch-size", Integer.class, "Source images per step", "train.batchSize");
    scalar("--lr", Double.class, "Base lr; peak = lr * batch / 256", "train.lr");
    scalar("--min-lr", Double.class, "Final lr", "train.minLr");
    scalar("--warmup-epochs", Double.class, "Linear lr warm-up, epochs", "train.warmupEpochs");
    scalar("--weight-decay", Double.class, "Initial weight decay", "train.weightDecay");
    scalar("--weight-decay-end", Double.class, "Final weight decay", "train.weightDecayEnd");
    scalar("--clip-grad", Double.class, "Per-tensor gradient norm clip, 0 = off", "train.clipGrad");
    scalar(
        "--freeze-last-layer",
        Double.class,
        "Epochs with a frozen last layer",
        "train.freezeLastLayer");
    scalar("--seed", Long.class, "Seed of every random choice", "train.seed");
    // --- multi-crop augmentation
    add(
        new Flag(
            "--global-crop-size",
            List.of(),
            Integer.class,
            "1",
            "PX",
            "Global crop side, the backbone's training resolution%s.",
            List.of("augment.globalCrops.size", "vit.imgSize"),
            v -> Map.of("augment.globalCrops.size", v, "vit.imgSize", v)));
    range("--global-crops-scale", "Global crop area range", "augment.globalCrops.scale");
    scalar(
        "--local-crops-number",
        Integer.class,
        "Local crops per image",
        "augment.localCrops.number");
    scalar("--local-crop-size", Integer.class, "Local crop side", "augment.localCrops.size");
    range("--local-crops-scale", "Local crop area range", "augment.localCrops.scale");
    add(
        new Flag(
            "--blur-p",
            List.of(),
            double[].class,
            "3",
            "P",
            "Gaussian blur probability on global crop 1, global crop 2, each local crop%s.",
            List.of("augment.blur.pGlobal1", "augment.blur.pGlobal2", "augment.blur.pLocal"),
            v -> {
              double[] d = (double[]) v;
              return Map.of(
                  "augment.blur.pGlobal1",
                  d[0],
                  "augment.blur.pGlobal2",
                  d[1],
                  "augment.blur.pLocal",
                  d[2]);
            }));
    range("--blur-sigma", "Gaussian blur sigma range", "augment.blur.sigma");
    scalar(
        "--solarization-p",
        Double.class,
        "Solarisation probability of global crop 2",
        "augment.solarizeP");
    add(
        normalization(
            "--mean",
            "--normalize-mean",
            "augment.normalize.mean",
            "Normalisation mean: 1 value (all channels) or R G B%s."));
    add(
        normalization(
            "--std",
            "--normalize-std",
            "augment.normalize.std",
            "Normalisation std: 1 value (all channels) or R G B%s."));
  }

  private ConfigFlags() {}

  private static void add(Flag f) {
    FLAGS.add(f);
  }

  private static void scalar(String name, Class<?> type, String help, String path) {
    String label =
        type == Boolean.class ? "BOOL" : type == Integer.class || type == Long.class ? "N" : "X";
    add(
        new Flag(
            name, List.of(), type, "1", label, help + "%s.", List.of(path), v -> Map.of(path, v)));
  }

  private static void range(String name, String help, String path) {
    add(
        new Flag(
            name,
            List.of(),
            double[].class,
            "2",
            "X",
            help + "%s.",
            List.of(path + ".min", path + ".max"),
            v -> Map.of(path + ".min", ((double[]) v)[0], path + ".max", ((double[]) v)[1])));
  }

  private static Flag normalization(String name, String old, String path, String help) {
    return new Flag(
        name,
        List.of(old),
        double[].class,
        "1..3",
        "X",
        help,
        List.of(path),
        v -> {
          double[] d = (double[]) v;
          if (d.length == 2) {
            throw new ConfigException(path, "expected 1 or 3 values, got 2");
          }
          double[] rgb = d.length == 1 ? new double[] {d[0], d[0], d[0]} : d;
          return Map.of(path, rgb);
        });
  }

  private static Map<String, Object> arch(Object v) {
    VitConfig a = VitConfig.preset(v.toString(), 16, 224, 0);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("vit.embedDim", a.embedDim());
    m.put("vit.depth", a.depth());
    m.put("vit.numHeads", a.numHeads());
    m.put("vit.mlpRatio", a.mlpRatio());
    return m;
  }

  /** Adds every flag of the table to {@code spec}, with the reference defaults in the help. */
  static void install(CommandSpec spec) {
    JsonNode defaults = DinoConfig.defaults().toJson();
    for (Flag f : FLAGS) {
      spec.addOption(option(f, f.name(), f.help(), defaults).build());
      for (String old : f.deprecated()) {
        spec.addOption(
            option(f, old, "Deprecated: use " + f.name() + ".", defaults).hidden(true).build());
      }
    }
  }

  private static OptionSpec.Builder option(Flag f, String name, String help, JsonNode defaults) {
    OptionSpec.Builder b =
        OptionSpec.builder(name)
            .type(f.type())
            .arity(f.arity())
            .paramLabel(f.label())
            .description(String.format(Locale.ROOT, help, defaultText(f, defaults)));
    if (f.type() == double[].class) {
      b.auxiliaryTypes(Double.class).splitRegex(",");
    }
    return b;
  }

  private static String defaultText(Flag f, JsonNode defaults) {
    if (f.name().equals("--arch")) {
      return "";
    }
    List<String> vals = new ArrayList<>();
    for (String p : f.paths()) {
      if (f.name().equals("--global-crop-size") && p.startsWith("vit")) {
        continue;
      }
      JsonNode n = at(defaults, p);
      vals.add(
          n.isArray()
              ? n.toString().replaceAll("[\\[\\]]", "").replace(",", " ")
              : n.asText().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    return " (default " + String.join(" ", vals) + ")";
  }

  static JsonNode at(JsonNode tree, String path) {
    JsonNode n = tree;
    for (String part : path.split("\\.")) {
      n = n.path(part);
    }
    return n;
  }

  /**
   * The settings the user gave, by path, in an order where {@code --arch} comes first (so that
   * {@code --arch vit_small --depth 6} means ViT-S with 6 blocks).
   */
  static Map<String, Object> overrides(ParseResult pr, PrintWriter err) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Flag f : FLAGS) {
      String used = pr.hasMatchedOption(f.name()) ? f.name() : null;
      for (String old : f.deprecated()) {
        if (pr.hasMatchedOption(old)) {
          err.println(
              "jdino: warning: "
                  + old
                  + " is deprecated and will be removed in the next"
                  + " release; use "
                  + f.name());
          used = used != null ? used : old;
        }
      }
      if (used == null) {
        continue;
      }
      Object value = unboxed(pr.matchedOptionValue(used, null));
      try {
        out.putAll(f.values().apply(value));
      } catch (ConfigException e) {
        throw bad(e, value);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(f.name() + " " + show(value) + ": " + e.getMessage());
      }
    }
    return out;
  }

  /**
   * A record's complaint about a setting, said with the flag that sets it (if any) and the flags of
   * the other settings it involved.
   *
   * @param valueOf the value a setting had, by path (null: unknown)
   */
  static BadInputException bad(ConfigException e, Object value, Function<String, Object> valueOf) {
    Flag f = flagFor(e.setting());
    StringBuilder also = new StringBuilder();
    for (String r : e.related()) {
      Flag g = flagFor(r);
      if (g != null) {
        also.append(also.length() == 0 ? " (" : ", ").append(g.name());
        Object v = valueOf.apply(r);
        if (v != null) {
          also.append(' ').append(show(v));
        }
      }
    }
    if (also.length() > 0) {
      also.append(')');
    }
    if (f == null) {
      return new BadInputException(e.getMessage() + also);
    }
    return new BadInputException(
        f.name() + (value == null ? "" : " " + show(value)) + ": " + e.getMessage() + also);
  }

  static BadInputException bad(ConfigException e, Object value) {
    return bad(e, value, path -> null);
  }

  /** The value of each setting: as given, else as in {@code base}. */
  static Function<String, Object> values(Map<String, Object> given, DinoConfig base) {
    JsonNode tree = base.toJson();
    return path -> given.containsKey(path) ? given.get(path) : at(tree, path);
  }

  /** The flag that writes {@code path}, or null. */
  static Flag flagFor(String path) {
    // --arch writes what --embed-dim, --depth and --num-heads write: they name a single setting.
    List<Flag> order = new ArrayList<>(FLAGS.subList(1, FLAGS.size()));
    order.add(FLAGS.get(0));
    for (Flag f : order) {
      for (String p : f.paths()) {
        if (p.equals(path) || path.startsWith(p + ".")) {
          return f;
        }
      }
    }
    // A record that checks its components together (a crop's scale range) names their parent.
    for (Flag f : order) {
      if (f.paths().stream().allMatch(p -> p.startsWith(path + "."))) {
        return f;
      }
    }
    return null;
  }

  static String show(Object v) {
    if (v instanceof JsonNode n) {
      return n.isNumber() ? show(n.asDouble()) : n.asText();
    }
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString(d.longValue());
    }
    if (v instanceof double[] d) {
      StringBuilder sb = new StringBuilder();
      for (double x : d) {
        sb.append(sb.length() == 0 ? "" : " ").append(show(x));
      }
      return sb.toString();
    }
    return String.valueOf(v);
  }

  /** Opens the run directory, saying setting conflicts with the flag that sets them. */
  static RunDirectory openRun(Path dir, String preset, Map<String, Object> overrides, String data) {
    DinoConfig base = preset != null ? DinoConfig.preset(preset) : null;
    try {
      return RunDirectory.open(dir, base, overrides, data);
    } catch (RunDirectory.BaseConflict e) {
      Flag f = flagFor(e.setting());
      throw new BadInputException(
          "--preset "
              + preset
              + " differs from the"
              + " configuration of the run in "
              + dir
              + " ("
              + (f != null ? f.name() : e.setting())
              + "); resume without --preset, or use a new --output-dir");
    } catch (ConfigException e) {
      throw byWhatWasGiven(e, overrides)
          .orElseGet(
              () ->
                  bad(
                      e,
                      given(overrides, e.setting()),
                      values(overrides, base != null ? base : DinoConfig.defaults())));
    }
  }

  /**
   * A check of two settings that fails on one the user left alone, through one the user gave
   * ({@code --epochs 0.5} against the run's warm-up of 1 epoch): the message leads with the flag
   * given, which the user is looking at, and names the other with its value and where it came from.
   */
  private static Optional<BadInputException> byWhatWasGiven(
      ConfigException e, Map<String, Object> overrides) {
    Flag f = flagFor(e.setting());
    if (f == null || given(overrides, e.setting()) != null) {
      return Optional.empty();
    }
    for (String r : e.related()) {
      Flag g = flagFor(r);
      if (g != null && overrides.containsKey(r)) {
        return Optional.of(
            new BadInputException(
                g.name()
                    + " "
                    + show(given(overrides, r))
                    + ": "
                    + e.getMessage()
                    + " (that is "
                    + f.name()
                    + " as the run or its preset has it; give "
                    + f.name()
                    + " too to change it)"));
      }
    }
    return Optional.empty();
  }

  /**
   * The value the user gave for {@code setting}, as typed: all of a multi-value flag's values
   * ({@code --global-crops-scale 0.9 0.2}), not only the one of the setting at fault.
   */
  static Object given(Map<String, Object> overrides, String setting) {
    Flag f = flagFor(setting);
    if (f != null && f.type() == double[].class && f.paths().size() > 1) {
      double[] d = new double[f.paths().size()];
      for (int i = 0; i < d.length; i++) {
        if (!(overrides.get(f.paths().get(i)) instanceof Number n)) {
          return overrides.get(setting);
        }
        d[i] = n.doubleValue();
      }
      return d;
    }
    return overrides.get(setting);
  }

  /** picocli hands a multi-value double option over as Double[]; the table speaks double[]. */
  private static Object unboxed(Object v) {
    if (v instanceof Double[] boxed) {
      double[] d = new double[boxed.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = boxed[i];
      }
      return d;
    }
    return v;
  }
}
