package dev.jdino.data;

import dev.jdino.augment.Image;
import dev.jdino.io.BadInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * MNIST-style IDX files: an {@code idx3-ubyte} image file (N x H x W unsigned bytes) and an
 * optional {@code idx1-ubyte} label file (N unsigned bytes), each raw or gzipped.
 *
 * <p>The whole image file is held in memory as bytes (Fashion-MNIST's 60,000 images take 47 MB), so
 * {@link #load} is a lock-free array read and safe from any number of threads. Compression is
 * recognised by the gzip magic bytes, not the file name, because downloads get renamed.
 */
public final class IdxDataset extends LabelledImages {

  /** Fashion-MNIST's class names, by label. */
  public static final List<String> FASHION_MNIST_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;

  private final Path imagesFile;
  private final Path labelsFile;
  private final String name;
  private final int count;
  private final int height;
  private final int width;
  private final byte[] pixels;

  private IdxDataset(
      Path imagesFile,
      Path labelsFile,
      String name,
      int[] dims,
      byte[] pixels,
      int[] labels,
      List<String> classNames) {
    super(labels, classNames);
    this.imagesFile = imagesFile;
    this.labelsFile = labelsFile;
    this.name = name;
    this.count = dims[0];
    this.height = dims[1];
    this.width = dims[2];
    this.pixels = pixels;
  }

  /** An unlabelled dataset from an image file. */
  public static IdxDataset open(Path images) {
    return open(images, null, List.of(), null);
  }

  /** Images with labels ({@code labels} may be null); classes are unnamed. */
  public static IdxDataset open(Path images, Path labels) {
    return open(images, labels, List.of(), null);
  }

  /**
   * Reads and validates the files.
   *
   * @param images an idx3-ubyte image file, raw or gzipped
   * @param labels an idx1-ubyte label file with one label per image, or null for none
   * @param classNames names by label (e.g. {@link #FASHION_MNIST_CLASSES}); empty for unnamed. When
   *     given, every label must be a valid index into it.
   * @param name what {@link #name()} reports; null for the image file's path
   * @throws BadInputException if a file is missing, unreadable, not IDX of the right kind,
   *     truncated or longer than its header says, or the two files disagree on the count
   */
  public static IdxDataset open(Path images, Path labels, List<String> classNames, String name) {
    Objects.requireNonNull(images, "images");
    List<String> names = List.copyOf(classNames);
    int[] dims = new int[3];
    byte[] pixels = read(images, IMAGES_MAGIC, dims);
    if (dims[0] == 0) {
      throw new BadInputException("IDX image file " + images + " contains no images");
    }
    int[] labelValues = null;
    if (labels != null) {
      int[] labelDims = new int[1];
      byte[] labelBytes = read(labels, LABELS_MAGIC, labelDims);
      if (labelDims[0] != dims[0]) {
        throw new BadInputException(
            "IDX image file "
                + images
                + " has "
                + dims[0]
                + " images but label file "
                + labels
                + " has "
                + labelDims[0]
                + " labels; expected one label per image");
      }
      labelValues = new int[labelBytes.length];
      for (int i = 0; i < labelBytes.length; i++) {
        labelValues[i] = labelBytes[i] & 0xff;
      }
      if (!names.isEmpty()) {
        for (int i = 0; i < labelValues.length; i++) {
          int label = labelValues[i];
          if (label >= names.size()) {
            throw new BadInputException(
                "IDX label file "
                    + labels
                    + " has label "
                    + label
                    + " at record "
                    + i
                    + "; expected 0.."
                    + (names.size() - 1));
          }
        }
      }
    }
    String display = name != null ? name : images.toString();
    return new IdxDataset(images, labels, display, dims, pixels, labelValues, names);
  }

  /**
   * The element type an IDX magic number declares ({@code 0x0000TTDD}: type TT, DD dimensions),
   * e.g. "unsigned bytes", or null when {@code magic} is not an IDX magic number at all.
   */
  static String elementType(int magic) {
    if ((magic >>> 16) != 0 || (magic & 0xff) == 0) {
      return null;
    }
    return switch ((magic >>> 8) & 0xff) {
      case 0x08 -> "unsigned bytes";
      case 0x09 -> "signed bytes";
      case 0x0B -> "16-bit integers";
      case 0x0C -> "32-bit integers";
      case 0x0D -> "32-bit floats";
      case 0x0E -> "64-bit floats";
      default -> null;
    };
  }

  /**
   * The magic number of an IDX file (gzipped or not), or -1 if the file is shorter than 4 bytes;
   * lets callers recognise IDX files by content.
   */
  static int readMagic(Path file) throws IOException {
    try (InputStream in = openMaybeGzipped(file)) {
      byte[] head = in.readNBytes(4);
      if (head.length < 4) {
        return -1;
      }
      return ((head[0] & 0xff) << 24)
          | ((head[1] & 0xff) << 16)
          | ((head[2] & 0xff) << 8)
          | (head[3] & 0xff);
    } catch (ZipException | EOFException e) {
      return -1;
    }
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public Image load(int index) {
    Objects.checkIndex(index, count);
    int plane = height * width;
    float[] gray = new float[plane];
    int offset = index * plane;
    for (int i = 0; i < plane; i++) {
      gray[i] = (pixels[offset + i] & 0xff) / 255f;
    }
    return Image.fromGray(height, width, gray);
  }

  @Override
  public String describe(int index) {
    return imagesFile + "#" + index;
  }

  @Override
  public String name() {
    return name;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public Path imagesFile() {
    return imagesFile;
  }

  /** The label file, or null when unlabelled. */
  public Path labelsFile() {
    return labelsFile;
  }

  private static InputStream openMaybeGzipped(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      return new GZIPInputStream(in, 1 << 16);
    }
    return in;
  }

  /** Reads a whole IDX file of {@code magic}'s kind; fills {@code dims} and returns the payload. */
  private static byte[] read(Path file, int magic, int[] dims) {
    String kind = magic == IMAGES_MAGIC ? "IDX image file" : "IDX label file";
    String expected =
        magic == IMAGES_MAGIC
            ? String.format("magic 0x%08x (idx3-ubyte: N x height x width bytes)", magic)
            : String.format("magic 0x%08x (idx1-ubyte: N label bytes)", magic);
    if (!Files.exists(file)) {
      throw new BadInputException(kind + " " + file + " does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(kind + " " + file + " is not a regular file");
    }
    try (DataInputStream in = new DataInputStream(openMaybeGzipped(file))) {
      int got;
      try {
        got = in.readInt();
      } catch (EOFException e) {
        throw new BadInputException(
            kind + " " + file + " is too short for an IDX header; expected " + expected);
      }
      if (got != magic) {
        String hint =
            got == IMAGES_MAGIC
                ? " (that is an image file)"
                : got == LABELS_MAGIC ? " (that is a label file)" : "";
        throw new BadInputException(
            String.format(
                "%s %s starts with 0x%08x%s; expected %s", kind, file, got, hint, expected));
      }
      long length = 1;
      for (int d = 0; d < dims.length; d++) {
        try {
          dims[d] = in.readInt();
        } catch (EOFException e) {
          throw new BadInputException(
              kind
                  + " "
                  + file
                  + " is truncated inside its header; expected "
                  + dims.length
                  + " dimensions after the magic number");
        }
        if (dims[d] < 0 || (d > 0 && dims[d] == 0)) {
          throw new BadInputException(
              kind
                  + " "
                  + file
                  + " has dimension "
                  + (d + 1)
                  + " = "
                  + dims[d]
                  + "; expected a positive size");
        }
        length *= dims[d];
      }
      // Java arrays stop a little short of 2^31; IDX files that large are not MNIST-like anyway.
      if (length > Integer.MAX_VALUE - 16) {
        throw new BadInputException(
            kind + " " + file + " declares " + length + " bytes of data; at most 2 GB supported");
      }
      byte[] payload = in.readNBytes((int) length);
      long headerBytes = 4L + 4L * dims.length;
      if (payload.length < length) {
        throw new BadInputException(
            kind
                + " "
                + file
                + " is truncated: the header promises "
                + length
                + " data bytes ("
                + (headerBytes + length)
                + " bytes in all, uncompressed) but only "
                + payload.length
                + " follow");
      }
      if (in.read() != -1) {
        throw new BadInputException(
            kind
                + " "
                + file
                + " is longer than its header says; expected exactly "
                + (headerBytes + length)
                + " bytes (uncompressed)");
      }
      return payload;
    } catch (ZipException | EOFException e) {
      throw new BadInputException(
          kind + " " + file + " has corrupt or truncated gzip data: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BadInputException("cannot read " + kind + " " + file + ": " + e, e);
    }
  }
}
