package dev.jdino.model;

import dev.jdino.io.BadInputException;
import dev.jdino.io.Safetensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The names, shapes and initialisers of a network's parameters, and where each one lives in a
 * single flat float buffer.
 *
 * <p>All parameters of a network share one buffer, ordered by optimiser group, so that the
 * optimiser, the teacher EMA and gradient zeroing each touch a handful of large tensors instead of
 * one small tensor per parameter (each engine call costs microseconds). Names and declaration order
 * follow the official PyTorch layout, so checkpoints map one to one.
 */
public final class ParameterLayout {

  /** Optimiser groups, in the order they are laid out in the flat buffer. */
  public enum Group {
    /** Trainable weights that get weight decay (2-D or more, not a bias). */
    DECAY,
    /** Trainable biases and 1-D tensors (norm weights): no weight decay. */
    NO_DECAY,
    /** The head's last layer: decayed, and frozen during the first epochs. */
    LAST_LAYER,
    /** Not trained at all (the weight-norm gain when {@code norm_last_layer}). */
    FROZEN
  }

  /** How a parameter is initialised. */
  public sealed interface Init {
    /** Normal(0, std) truncated to [-2, 2] (absolute bounds, as timm's trunc_normal_). */
    record TruncNormal(double std) implements Init {}

    /** Uniform(-bound, bound): PyTorch's default Linear/Conv init, bound = 1/sqrt(fan_in). */
    record Uniform(double bound) implements Init {}

    record Constant(float value) implements Init {}
  }

  /** One parameter: official name, shape, initialiser, optimiser group, place in the buffer. */
  public record Spec(String name, long[] shape, Init init, Group group, int index, long offset) {
    public long numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    public boolean trainable() {
      return group != Group.FROZEN;
    }
  }

  private final List<Spec> specs;
  private final Map<String, Spec> byName;
  private final Map<Group, long[]> segments;
  private final long numel;

  private ParameterLayout(List<Spec> specs, Map<Group, long[]> segments, long numel) {
    this.specs = Collections.unmodifiableList(specs);
    this.segments = segments;
    this.numel = numel;
    Map<String, Spec> m = new LinkedHashMap<>();
    for (Spec s : specs) {
      m.put(s.name(), s);
    }
    this.byName = Collections.unmodifiableMap(m);
  }

  /** Parameters in declaration (official state-dict) order. */
  public List<Spec> specs() {
    return specs;
  }

  public Spec spec(String name) {
    Spec s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return s;
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** Total number of floats in the buffer. */
  public long numel() {
    return numel;
  }

  /** Number of trainable floats. */
  public long trainableNumel() {
    return numel - segmentLength(Group.FROZEN);
  }

  /** [start, end) of a group in the flat buffer. */
  public long[] segment(Group g) {
    return segments.get(g).clone();
  }

  public long segmentLength(Group g) {
    long[] s = segments.get(g);
    return s[1] - s[0];
  }

  /**
   * Fresh initial values for the whole buffer. Parameters draw from one generator in declaration
   * order, so the result depends only on the seed and the architecture.
   */
  public float[] initialValues(long seed) {
    float[] values = new float[Math.toIntExact(numel)];
    SplittableRandom rng = new SplittableRandom(seed);
    for (Spec s : specs) {
      int off = (int) s.offset();
      int n = (int) s.numel();
      Init init = s.init();
      if (init instanceof Init.TruncNormal t) {
        for (int i = 0; i < n; i++) {
          double v;
          do {
            v = gaussian(rng) * t.std();
          } while (v < -2 || v > 2);
          values[off + i] = (float) v;
        }
      } else if (init instanceof Init.Uniform u) {
        for (int i = 0; i < n; i++) {
          values[off + i] = (float) ((rng.nextDouble() * 2 - 1) * u.bound());
        }
      } else if (init instanceof Init.Constant c) {
        Arrays.fill(values, off, off + n, c.value());
      }
    }
    return values;
  }

  // Marsaglia's polar method: SplittableRandom has no nextGaussian on Java 17.
  private static double gaussian(SplittableRandom rng) {
    double u;
    double v;
    double s;
    do {
      u = rng.nextDouble() * 2 - 1;
      v = rng.nextDouble() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * Math.sqrt(-2 * Math.log(s) / s);
  }

  /**
   * Reads every parameter of this layout from {@code file} under names {@code prefix + name},
   * checking shapes; a missing or misshapen tensor means the file holds another architecture.
   */
  public float[] valuesFrom(Safetensors file, String prefix) {
    float[] values = new float[Math.toIntExact(numel)];
    for (Spec s : specs) {
      String name = prefix + s.name();
      var info = file.tensors().get(name);
      if (info == null) {
        throw new BadInputException(
            file.file() + ": no tensor " + name + " (a checkpoint of another architecture?)");
      }
      if (!Arrays.equals(info.shape(), s.shape())) {
        throw new BadInputException(
            file.file()
                + ": tensor "
                + name
                + " has shape "
                + Arrays.toString(info.shape())
                + ", this model expects "
                + Arrays.toString(s.shape())
                + " (a checkpoint of another architecture?)");
      }
      float[] v = file.loadFloats(name);
      System.arraycopy(v, 0, values, (int) s.offset(), v.length);
    }
    return values;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects parameter declarations; modules call {@link #add} while they are constructed. */
  public static final class Builder {
    private final List<Object[]> declared;
    private final Map<String, Integer> names;
    private final String prefix;

    private Builder() {
      this(new ArrayList<>(), new LinkedHashMap<>(), "");
    }

    private Builder(List<Object[]> declared, Map<String, Integer> names, String prefix) {
      this.declared = declared;
      this.names = names;
      this.prefix = prefix;
    }

    /** A builder that declares into this one with {@code prefix} prepended to every name. */
    public Builder scoped(String prefix) {
      return new Builder(declared, names, this.prefix + prefix);
    }

    /**
     * Declares a parameter and returns its index (its handle for {@link ParameterSet#get}). The
     * optimiser group follows DINO's rule: frozen if not trainable, the head's last layer on its
     * own, no decay for names ending in {@code .bias} and for 1-D tensors, decay otherwise.
     */
    public int add(String localName, long[] shape, Init init, boolean trainable) {
      String name = prefix + localName;
      if (names.containsKey(name)) {
        throw new IllegalArgumentException("parameter declared twice: " + name);
      }
      Group g;
      if (!trainable) {
        g = Group.FROZEN;
      } else if (name.contains("last_layer")) {
        g = Group.LAST_LAYER;
      } else if (name.endsWith(".bias") || shape.length == 1) {
        g = Group.NO_DECAY;
      } else {
        g = Group.DECAY;
      }
      int index = declared.size();
      declared.add(new Object[] {name, shape.clone(), init, g});
      names.put(name, index);
      return index;
    }

    public ParameterLayout build() {
      Map<Group, long[]> segments = new EnumMap<>(Group.class);
      long[] offsets = new long[declared.size()];
      long cursor = 0;
      for (Group g : Group.values()) {
        long start = cursor;
        for (int i = 0; i < declared.size(); i++) {
          if (declared.get(i)[3] == g) {
            offsets[i] = cursor;
            long n = 1;
            for (long d : (long[]) declared.get(i)[1]) {
              n *= d;
            }
            cursor += n;
          }
        }
        segments.put(g, new long[] {start, cursor});
      }
      if (cursor > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "model has " + cursor + " parameters; jdino supports up to 2^31 per network");
      }
      List<Spec> specs = new ArrayList<>();
      for (int i = 0; i < declared.size(); i++) {
        Object[] d = declared.get(i);
        specs.add(new Spec((String) d[0], (long[]) d[1], (Init) d[2], (Group) d[3], i, offsets[i]));
      }
      return new ParameterLayout(specs, segments, cursor);
    }
  }
}
