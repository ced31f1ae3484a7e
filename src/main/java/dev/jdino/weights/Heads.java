package dev.jdino.weights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The number of attention heads of a ViT, which no tensor shape records (the qkv projection is (3D,
 * D) whatever the split), and where the number came from.
 *
 * <p>In order: a number given explicitly; the file's own record (jdino's metadata, or a full
 * checkpoint's {@code args}: {@code num_heads}, else the architecture name {@code arch} of
 * main_dino.py or timm's {@code model}); else, for a ViT whose shapes are exactly those of a named
 * DINO architecture (vision_transformer.py: {@code vit_tiny} 192 wide with 3 heads, {@code
 * vit_small} 384 with 6, {@code vit_base} 768 with 12, all 12 blocks deep with MLP ratio 4, the
 * shapes of every released DINO model), that architecture's number. An explicit number that
 * contradicts the file's own record is refused; one that differs from the shape rule wins, since
 * shapes only suggest it.
 *
 * @param numHeads the number of heads
 * @param source where it came from, for messages and {@code jdino info}
 * @param recorded true when the file itself records it (not a guess from shapes)
 */
public record Heads(int numHeads, String source, boolean recorded) {
  /** The named architectures: embed dim and heads (vision_transformer.py; timm for large). */
  private static final Map<String, int[]> ARCH =
      Map.of(
          "tiny", new int[] {192, 3},
          "small", new int[] {384, 6},
          "base", new int[] {768, 12},
          "large", new int[] {1024, 16});

  private static final Pattern ARCH_NAME =
      Pattern.compile("^(?:vit|deit)_(tiny|small|base|large)(?:_|$)");

  public Heads {
    if (numHeads < 1) {
      throw new IllegalArgumentException("number of heads must be >= 1, got " + numHeads);
    }
  }

  /** What the file says or its shapes imply, if anything. */
  public static Optional<Heads> fromFile(WeightFile f, VitShape shape) {
    return from(f.data(), shape, f.file());
  }

  /**
   * What a file's non-tensor data ({@link WeightFile#data()}) says, or its shapes imply.
   *
   * @param file for messages
   */
  public static Optional<Heads> from(JsonNode d, VitShape shape, Path file) {
    JsonNode vit = d.path("jdino").path("vit");
    JsonNode configVit = d.path("jdino").path("config").path("vit");
    JsonNode args = d.path("args");
    String jdino = "the file's jdino metadata";
    Optional<Heads> declared =
        declared(file, vit.path("numHeads"), "jdino metadata", jdino)
            .or(() -> declared(file, configVit.path("numHeads"), "jdino metadata", jdino))
            .or(
                () ->
                    declared(
                        file,
                        args.path("num_heads"),
                        "args.num_heads",
                        "the checkpoint's args.num_heads"));
    if (declared.isPresent()) {
      return declared;
    }
    for (String field : new String[] {"arch", "model"}) {
      JsonNode a = args.path(field);
      if (!a.isTextual()) {
        continue;
      }
      Matcher m = ARCH_NAME.matcher(a.asText().toLowerCase(Locale.ROOT));
      if (m.find()) {
        int[] dh = ARCH.get(m.group(1));
        if (dh[0] != shape.embedDim()) {
          throw new BadInputException(
              file
                  + ": args."
                  + field
                  + " is "
                  + a.asText()
                  + " (embed dim "
                  + dh[0]
                  + ") but the weights have embed dim "
                  + shape.embedDim());
        }
        return Optional.of(
            new Heads(dh[1], "the checkpoint's args." + field + " (" + a.asText() + ")", true));
      }
    }
    if (shape.depth() == 12 && shape.mlpHiddenDim() == 4 * shape.embedDim()) {
      for (Map.Entry<String, int[]> e : ARCH.entrySet()) {
        if (!e.getKey().equals("large") && e.getValue()[0] == shape.embedDim()) {
          return Optional.of(
              new Heads(
                  e.getValue()[1],
                  "the shape of DINO's vit_"
                      + e.getKey()
                      + " (embed dim "
                      + shape.embedDim()
                      + ", 12 blocks)",
                  false));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The number a file records in {@code value}, if it is an integer.
   *
   * @throws BadInputException naming {@code what} when it records fewer than one head
   */
  private static Optional<Heads> declared(Path file, JsonNode value, String what, String source) {
    if (!value.isIntegralNumber()) {
      return Optional.empty();
    }
    int v = value.asInt();
    if (v < 1) {
      throw new BadInputException(file + ": " + what + " gives " + v + " heads");
    }
    return Optional.of(new Heads(v, source, true));
  }

  /**
   * The number of heads to use.
   *
   * @param explicit a number the user gave ({@code --num-heads}), or null
   */
  public static Heads resolve(WeightFile f, VitShape shape, Integer explicit) {
    Optional<Heads> found = fromFile(f, shape);
    if (explicit != null) {
      if (explicit < 1 || shape.embedDim() % explicit != 0) {
        throw new BadInputException(
            "--num-heads "
                + explicit
                + ": expected a divisor of the embed dim "
                + shape.embedDim()
                + " of "
                + f.file());
      }
      if (found.isPresent() && found.get().recorded() && found.get().numHeads() != explicit) {
        throw new BadInputException(
            "--num-heads "
                + explicit
                + " contradicts "
                + f.file()
                + ": "
                + found.get().source()
                + " gives "
                + found.get().numHeads()
                + " heads");
      }
      return new Heads(explicit, "given explicitly (--num-heads)", false);
    }
    Heads h =
        found.orElseThrow(
            () ->
                new BadInputException(
                    f.file()
                        + ": cannot tell the number of attention heads of this ViT (embed dim "
                        + shape.embedDim()
                        + ", "
                        + shape.depth()
                        + " blocks is not a released DINO"
                        + " model and the file records none): give it with --num-heads N"
                        + " (Java: Backbone.load(path, key, numHeads))"));
    if (shape.embedDim() % h.numHeads() != 0) {
      throw new BadInputException(
          f.file()
              + ": "
              + h.source()
              + " gives "
              + h.numHeads()
              + " heads, which do not divide the embed dim "
              + shape.embedDim());
    }
    return h;
  }
}
