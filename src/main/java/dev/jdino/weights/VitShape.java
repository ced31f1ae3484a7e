package dev.jdino.weights;

import dev.jdino.io.BadInputException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ViT's dimensions as its tensors' shapes give them: everything but the number of attention
 * heads, which no shape records ({@link Heads} finds it). The official {@code VisionTransformer}
 * (vision_transformer.py) is fully determined by these and the heads.
 *
 * @param imgSize training resolution: the position embedding's grid side times the patch size
 * @param patchSize side of the square patch ({@code patch_embed.proj} kernel)
 * @param embedDim token width D ({@code pos_embed}'s last dimension)
 * @param depth number of blocks ({@code blocks.N})
 * @param mlpHiddenDim hidden width of the blocks' MLP ({@code mlp.fc1} rows)
 * @param qkvBias whether {@code attn.qkv} has a bias (true in DINO)
 */
public record VitShape(
    int imgSize, int patchSize, int embedDim, int depth, int mlpHiddenDim, boolean qkvBias) {
  private static final Pattern BLOCK = Pattern.compile("^blocks\\.(\\d+)\\.");

  public VitShape {
    if (patchSize < 1 || embedDim < 1 || depth < 1 || mlpHiddenDim < 1) {
      throw new IllegalArgumentException("patch size, embed dim, depth and MLP width must be >= 1");
    }
    if (imgSize < patchSize || imgSize % patchSize != 0) {
      throw new IllegalArgumentException(
          "image size " + imgSize + " is not a multiple of the patch size " + patchSize);
    }
  }

  /** Side of the position embedding's patch grid. */
  public int gridSize() {
    return imgSize / patchSize;
  }

  /** Reads the shape of the backbone that {@code layout} found in {@code f}. */
  public static VitShape of(WeightFile f, CheckpointLayout layout) {
    Map<String, String> names = layout.backbone();
    long[] pos = shape(f, names, "pos_embed");
    if (pos.length != 3 || pos[0] != 1 || pos[1] < 2 || pos[2] < 1) {
      throw bad(f, names, "pos_embed", pos, "(1, 1 + patches, embed dim)");
    }
    long dim = pos[2];
    long patches = pos[1] - 1;
    long grid = (long) Math.floor(Math.sqrt((double) patches));
    while (grid * grid > patches) {
      grid--;
    }
    while ((grid + 1) * (grid + 1) <= patches) {
      grid++;
    }
    if (grid * grid != patches) {
      long all = (long) Math.sqrt((double) pos[1]);
      String why =
          all * all == pos[1]
              ? "; "
                  + pos[1]
                  + " is a square: a position embedding without the [CLS] slot (timm's"
                  + " no_embed_class), which DINO's ViT does not use"
              : "";
      throw new BadInputException(
          f.file()
              + ": "
              + names.get("pos_embed")
              + " has "
              + patches
              + " patch positions, not a square grid"
              + why);
    }
    long[] cls = shape(f, names, "cls_token");
    if (!Arrays.equals(cls, new long[] {1, 1, dim})) {
      throw bad(f, names, "cls_token", cls, "(1, 1, " + dim + ")");
    }
    long[] proj = shape(f, names, "patch_embed.proj.weight");
    if (proj.length != 4 || proj[0] != dim || proj[2] != proj[3] || proj[2] < 1) {
      throw bad(f, names, "patch_embed.proj.weight", proj, "(" + dim + ", 3, p, p)");
    }
    if (proj[1] != 3) {
      throw new BadInputException(
          f.file()
              + ": "
              + names.get("patch_embed.proj.weight")
              + " takes "
              + proj[1]
              + " input channels; jdino's ViT takes RGB (3)");
    }
    TreeSet<Integer> blocks = new TreeSet<>();
    for (String n : names.keySet()) {
      Matcher m = BLOCK.matcher(n);
      if (m.find()) {
        blocks.add(Integer.parseInt(m.group(1)));
      }
    }
    if (blocks.isEmpty()) {
      throw new BadInputException(f.file() + ": the backbone has no blocks (blocks.0.*)");
    }
    int depth = blocks.last() + 1;
    if (blocks.size() != depth) {
      for (int i = 0; i < depth; i++) {
        if (!blocks.contains(i)) {
          throw new BadInputException(
              f.file() + ": the backbone has blocks up to " + blocks.last() + " but no block " + i);
        }
      }
    }
    long[] fc1 = shape(f, names, "blocks.0.mlp.fc1.weight");
    if (fc1.length != 2 || fc1[1] != dim || fc1[0] < 1) {
      throw bad(f, names, "blocks.0.mlp.fc1.weight", fc1, "(hidden, " + dim + ")");
    }
    long img = grid * proj[2];
    if (img > 1 << 20 || dim > 1 << 20 || fc1[0] > 1 << 24) {
      throw new BadInputException(
          f.file() + ": a ViT of implausible size (embed dim " + dim + ", image " + img + ")");
    }
    return new VitShape(
        (int) img,
        (int) proj[2],
        (int) dim,
        depth,
        (int) fc1[0],
        names.containsKey("blocks.0.attn.qkv.bias"));
  }

  private static long[] shape(WeightFile f, Map<String, String> names, String official) {
    String name = names.get(official);
    if (name == null) {
      throw new BadInputException(f.file() + ": the backbone has no " + official + " tensor");
    }
    return f.tensors().get(name).shape();
  }

  private static BadInputException bad(
      WeightFile f, Map<String, String> names, String official, long[] shape, String expected) {
    return new BadInputException(
        f.file()
            + ": "
            + names.get(official)
            + " has shape "
            + Arrays.toString(shape)
            + ", expected "
            + expected);
  }
}
