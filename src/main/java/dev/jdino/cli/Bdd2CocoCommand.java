package dev.jdino.cli;

import dev.jdino.bdd.BddLabels;
import dev.jdino.bdd.BddToCoco;
import dev.jdino.io.BadInputException;
import dev.jdino.io.OutputPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdino bdd2coco}: BDD100K detection labels to COCO detection JSON, one file per split.
 *
 * <p>Two ways to call it. With {@code --root} (default {@code data/bdd100k/100k}, where {@code
 * jdino bdd download} extracts the seed's mirror), every split folder there ({@code train}, {@code
 * val}, {@code valid}, {@code test}) that holds per-image label files next to its images is
 * converted to {@code <split>/_annotations.coco.json} (the seed's name and place), so {@code --data
 * coco:<split>/_annotations.coco.json} finds the images without a root. With {@code --labels} (a
 * folder of per-image files, or a split's list file) and {@code --images}, one split is converted.
 */
@Command(
    name = "bdd2coco",
    description = {
      "Convert BDD100K detection labels (legacy per-image or per-split list) to COCO.",
      "Writes <images>/_annotations.coco.json and a .summary.json beside it per split."
    })
public final class Bdd2CocoCommand extends Subcommand {
  /** The seed's output name, inside the split's image folder. */
  public static final String OUTPUT_NAME = "_annotations.coco.json";

  private static final List<String> SPLITS = List.of("train", "val", "valid", "test");

  @Option(
      names = "--root",
      paramLabel = "DIR",
      description =
          "Folder with split folders (train, val|valid, test) holding images and"
              + " per-image label JSONs (default data/bdd100k/100k).")
  Path root;

  @Option(
      names = "--labels",
      paramLabel = "PATH",
      description = "One split's labels: a folder of per-image JSONs or a JSON list file.")
  Path labels;

  @Option(names = "--images", paramLabel = "DIR", description = "That split's image folder.")
  Path images;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "COCO file to write (default: " + OUTPUT_NAME + " in the images folder).")
  Path output;

  @Option(
      names = "--split",
      paramLabel = "NAME",
      description = "Split name for the summary (default: from the path).")
  String split;

  @Option(
      names = "--force",
      description =
          "Replace an existing COCO file that this command did not write (no .summary.json"
              + " beside it).")
  boolean force;

  @Override
  public Integer call() throws IOException {
    OutputPaths.requireCreatable(output, "--output", false);
    PrintWriter out = out();
    if (labels != null || images != null) {
      if (root != null) {
        throw new BadInputException("give either --root or --labels with --images, not both");
      }
      if (labels == null || images == null) {
        throw new BadInputException("--labels and --images go together");
      }
      if (!Files.isDirectory(images)) {
        throw new BadInputException("--images " + images + " is not a directory");
      }
      String name = split != null ? split : guessSplit(labels, images);
      Path file = output != null ? output : images.resolve(OUTPUT_NAME);
      requireReplaceable(file);
      convert(out, name, labels, images, file);
      return 0;
    }
    Path dir = root != null ? root : Path.of("data", "bdd100k", "100k");
    if (!Files.isDirectory(dir)) {
      throw new BadInputException(
          "--root "
              + dir
              + " is not a directory; run `jdino bdd download`"
              + " first, or give --labels and --images");
    }
    if (output != null || split != null) {
      throw new BadInputException("--output and --split apply to one split (--labels/--images)");
    }
    List<String> found = new ArrayList<>();
    for (String s : SPLITS) {
      Path d = dir.resolve(s);
      if (!Files.isDirectory(d)) {
        continue;
      }
      if (BddLabels.legacyFiles(d).isEmpty()) {
        out.println(s + ": no label files in " + d + ", skipped (unlabelled split)");
        continue;
      }
      requireReplaceable(d.resolve(OUTPUT_NAME));
      found.add(s);
    }
    // Every split checked before the first is written: a refusal leaves nothing half converted.
    for (String s : found) {
      Path d = dir.resolve(s);
      convert(out, s, d, d, d.resolve(OUTPUT_NAME));
    }
    if (found.isEmpty()) {
      throw new BadInputException(
          "no split folder under "
              + dir
              + " ("
              + String.join(", ", SPLITS)
              + ") holds per-image label files; for a label list file use --labels and --images");
    }
    return 0;
  }

  /**
   * A COCO file is replaced when this command wrote it (its summary is beside it) or with {@code
   * --force}: {@code _annotations.coco.json} is also the name Roboflow's COCO exports use, and a
   * user's own annotations are never lost to a conversion.
   */
  private void requireReplaceable(Path file) {
    if (force || !Files.exists(file) || Files.isRegularFile(BddToCoco.summaryFile(file))) {
      return;
    }
    throw new BadInputException(
        file
            + " exists and was not written by jdino bdd2coco (no "
            + BddToCoco.summaryFile(file).getFileName()
            + " beside it); add --force to replace it, or give another --output");
  }

  private static void convert(PrintWriter out, String split, Path labels, Path images, Path output)
      throws IOException {
    out.println("converting " + split + ": labels " + labels + ", images " + images);
    out.flush();
    BddToCoco.Summary s = BddToCoco.convert(split, labels, images, output);
    out.print(s.describe());
    out.println("  summary: " + BddToCoco.summaryFile(output));
    out.flush();
  }

  /** "train" from .../bdd100k_labels_images_train.json or .../train; else the folder's name. */
  private static String guessSplit(Path labels, Path images) {
    String l = labels.getFileName().toString();
    for (String s : SPLITS) {
      if (l.equals(s) || l.endsWith("_" + s + ".json")) {
        return s;
      }
    }
    return images.toAbsolutePath().normalize().getFileName().toString();
  }
}
