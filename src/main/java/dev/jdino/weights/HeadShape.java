package dev.jdino.weights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DINO head a file holds, from its tensors' shapes (vision_transformer.py, {@code DINOHead}):
 * {@code mlp.0, mlp.2, ...} Linear layers (GELU between, no batch norm), then the weight-normed
 * {@code last_layer} ({@code weight_g} (K, 1), {@code weight_v} (K, bottleneck)).
 *
 * @param inDim input width (the backbone's embed dim)
 * @param outDim K, the number of prototypes
 * @param hiddenDim width of the MLP's hidden layers (the bottleneck width when it has one layer)
 * @param bottleneckDim width of the normalised bottleneck
 * @param nlayers number of Linear layers in the MLP
 * @param normLastLayer whether {@code weight_g} was frozen at 1 ({@code args.norm_last_layer}, else
 *     the official default, true); affects training only
 * @param normSource where {@code normLastLayer} came from
 */
public record HeadShape(
    int inDim,
    int outDim,
    int hiddenDim,
    int bottleneckDim,
    int nlayers,
    boolean normLastLayer,
    String normSource) {
  private static final Pattern MLP = Pattern.compile("^mlp\\.(\\d+)\\.weight$");

  public HeadShape {
    if (inDim < 1 || outDim < 1 || hiddenDim < 1 || bottleneckDim < 1 || nlayers < 1) {
      throw new IllegalArgumentException("head dimensions must be >= 1");
    }
  }

  /** The head {@code layout} found, checked for consistency. */
  public static HeadShape of(WeightFile f, CheckpointLayout layout) {
    Map<String, String> names = layout.head();
    long[] v = shape(f, names, "last_layer.weight_v");
    long[] g = shape(f, names, "last_layer.weight_g");
    if (v.length != 2 || !Arrays.equals(g, new long[] {v[0], 1})) {
      throw new BadInputException(
          f.file()
              + ": "
              + names.get("last_layer.weight_v")
              + " "
              + Arrays.toString(v)
              + " and "
              + names.get("last_layer.weight_g")
              + " "
              + Arrays.toString(g)
              + " are not a weight-normed layer ((K, bottleneck) and (K, 1))");
    }
    int nlayers;
    long inDim;
    long hidden;
    long last;
    if (names.containsKey("mlp.weight")) {
      nlayers = 1;
      long[] w = shape(f, names, "mlp.weight");
      inDim = w[1];
      last = w[0];
      hidden = w[0];
    } else {
      TreeSet<Integer> idx = new TreeSet<>();
      for (String n : names.keySet()) {
        Matcher m = MLP.matcher(n);
        if (m.find()) {
          idx.add(Integer.parseInt(m.group(1)));
        }
      }
      nlayers = idx.size();
      if (nlayers == 0) {
        throw new BadInputException(f.file() + ": the head has no mlp layers");
      }
      for (int i = 0; i < nlayers; i++) {
        if (!idx.contains(2 * i)) {
          throw new BadInputException(
              f.file()
                  + ": the head's MLP has layers "
                  + idx
                  + "; expected 0, 2, 4, ... (Linear"
                  + " and GELU in turn, no batch norm)");
        }
      }
      long[] first = shape(f, names, "mlp.0.weight");
      long[] end = shape(f, names, "mlp." + 2 * (nlayers - 1) + ".weight");
      inDim = first[1];
      hidden = first[0];
      last = end[0];
    }
    if (last != v[1]) {
      throw new BadInputException(
          f.file() + ": the head's MLP ends " + last + " wide but its last layer takes " + v[1]);
    }
    boolean norm = true;
    String source = "the official default";
    JsonNode args = f.data().path("args").path("norm_last_layer");
    JsonNode jdino = f.data().path("jdino").path("config").path("head").path("normLastLayer");
    if (args.isBoolean()) {
      norm = args.asBoolean();
      source = "args.norm_last_layer";
    } else if (jdino.isBoolean()) {
      norm = jdino.asBoolean();
      source = "the file's jdino metadata";
    }
    return new HeadShape((int) inDim, (int) v[0], (int) hidden, (int) v[1], nlayers, norm, source);
  }

  private static long[] shape(WeightFile f, Map<String, String> names, String official) {
    String name = names.get(official);
    if (name == null) {
      throw new BadInputException(f.file() + ": the head has no " + official + " tensor");
    }
    long[] s = f.tensors().get(name).shape();
    if (s.length != 2) {
      throw new BadInputException(
          f.file() + ": " + name + " has shape " + Arrays.toString(s) + ", expected a matrix");
    }
    for (long d : s) {
      if (d < 1 || d > 1 << 24) {
        throw new BadInputException(f.file() + ": " + name + " has shape " + Arrays.toString(s));
      }
    }
    return s;
  }
}
