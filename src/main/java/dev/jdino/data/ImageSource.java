package dev.jdino.data;

import dev.jdino.augment.Image;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * One open image file with its ImageIO reader, positioned after the header: the size is known, no
 * pixel has been decoded. {@link ImageDecoder} is the public face; this class holds the file-level
 * care: readable-file checks with clear reasons, the EXIF orientation, subsampling and regions, and
 * stopping a truncated JPEG at the first warning.
 */
final class ImageSource implements AutoCloseable {
  private final Path path;
  private final ImageInputStream in;
  private final ImageReader reader;
  private final Orientation orientation;
  private final int storedW;
  private final int storedH;
  private volatile String truncation;

  private ImageSource(
      Path path, ImageInputStream in, ImageReader reader, Orientation o, int w, int h) {
    this.path = path;
    this.in = in;
    this.reader = reader;
    this.orientation = o;
    this.storedW = w;
    this.storedH = h;
  }

  static ImageSource open(Path path) throws IOException {
    long size;
    try {
      size = Files.size(path);
    } catch (NoSuchFileException e) {
      throw new IOException(path + ": file not found", e);
    } catch (FileSystemException e) {
      // Symbolic-link loops and the like: the OS's reason is the useful part.
      throw new IOException(path + ": cannot open (" + reason(e) + ")", e);
    }
    if (Files.isDirectory(path)) {
      throw new IOException(path + ": not a file");
    }
    if (size == 0) {
      throw new IOException(path + ": empty file");
    }
    RandomAccessFile raf;
    try {
      raf = new RandomAccessFile(path.toFile(), "r");
    } catch (FileNotFoundException e) {
      throw new IOException(path + ": cannot open (" + osReason(e, path) + ")", e);
    }
    ImageInputStream in = new FileImageInputStream(raf);
    ImageReader reader = null;
    try {
      Orientation o = ExifOrientation.read(in);
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IOException(path + ": not a recognised image format");
      }
      reader = readers.next();
      reader.setInput(in, true, true);
      int w = reader.getWidth(0);
      int h = reader.getHeight(0);
      if (w < 1 || h < 1) {
        throw new IOException(path + ": image header gives size " + w + "x" + h);
      }
      if ((long) w * h > ImageDecoder.MAX_SOURCE_PIXELS) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "%s: %dx%d pixels is larger than the %d supported",
                path,
                w,
                h,
                ImageDecoder.MAX_SOURCE_PIXELS));
      }
      ImageSource src = new ImageSource(path, in, reader, o, w, h);
      reader = null;
      return src;
    } catch (IOException e) {
      closeQuietly(in, reader);
      throw e.getMessage() != null && e.getMessage().startsWith(path.toString())
          ? e
          : new IOException(path + ": cannot read image header: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(in, reader);
      throw new IOException(path + ": corrupt image header (" + e + ")", e);
    }
  }

  ImageDecoder.Info info() {
    boolean swap = orientation.swapsAxes();
    return new ImageDecoder.Info(
        swap ? storedH : storedW, swap ? storedW : storedH, orientation, formatName());
  }

  /** Decodes {@code region} ({x, y, w, h} upright; null: all) for a shorter side of minSide. */
  Image read(int[] region, int minSide) throws IOException {
    ImageDecoder.Info info = info();
    int[] stored = {0, 0, storedW, storedH};
    if (region != null) {
      Rectangle r =
          new Rectangle(region[0], region[1], region[2], region[3])
              .intersection(new Rectangle(0, 0, info.width(), info.height()));
      if (r.isEmpty()) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "%s: region %dx%d+%d+%d is outside the" + " %dx%d image",
                path,
                region[2],
                region[3],
                region[0],
                region[1],
                info.width(),
                info.height()));
      }
      stored = orientation.storedRect(r.x, r.y, r.width, r.height, storedW, storedH);
    }
    int f = DecodeSize.subsampling(stored[2], stored[3], minSide);
    ImageReadParam param = reader.getDefaultReadParam();
    if (region != null) {
      param.setSourceRegion(new Rectangle(stored[0], stored[1], stored[2], stored[3]));
    }
    if (f > 1) {
      param.setSourceSubsampling(f, f, 0, 0);
    }
    reader.addIIOReadWarningListener(
        (source, warning) -> {
          if (isTruncation(warning)) {
            truncation = warning;
            // Decoding on would pad the rest with gray, row by row: stop now, the image is refused.
            reader.abort();
          }
        });
    BufferedImage img;
    try {
      img = reader.read(0, param);
    } catch (IOException e) {
      throw new IOException(path + ": cannot decode image: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      // Corrupt files make some ImageIO plugins throw unchecked exceptions (array bounds, etc.).
      throw new IOException(path + ": corrupt image (" + e + ")", e);
    }
    if (truncation != null) {
      throw new IOException(path + ": truncated image (" + truncation + ")");
    }
    if (img == null) {
      throw new IOException(path + ": the decoder returned no image");
    }
    Image out;
    try {
      out = ImageDecoder.toImage(img);
    } catch (RuntimeException e) {
      throw new IOException(path + ": unsupported image layout (" + e + ")", e);
    }
    return orientation.apply(out);
  }

  /** libjpeg's and TwelveMonkeys' words for a file that ends before its image data does. */
  static boolean isTruncation(String warning) {
    String w = warning.toLowerCase(Locale.ROOT);
    return w.contains("premature end") || w.contains("truncated");
  }

  private String formatName() {
    try {
      return reader.getFormatName().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public void close() {
    closeQuietly(in, reader);
  }

  private static void closeQuietly(ImageInputStream in, ImageReader reader) {
    if (reader != null) {
      reader.dispose();
    }
    try {
      in.close();
    } catch (IOException e) {
      // nothing was written; a failed close of a read-only file loses nothing
    }
  }

  private static String reason(FileSystemException e) {
    return e.getReason() != null ? e.getReason() : e.toString();
  }

  /** "x.jpg (Permission denied)" -> "Permission denied". */
  private static String osReason(FileNotFoundException e, Path path) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    int open = m.lastIndexOf('(');
    return open >= 0 && m.endsWith(")") ? m.substring(open + 1, m.length() - 1) : m;
  }
}
