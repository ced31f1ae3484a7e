package dev.jdino.data;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads the EXIF orientation of a JPEG from its APP1 segment, by hand: ImageIO's metadata tree
 * would parse far more than one tag (and is skipped for speed), and the tag sits in the first IFD,
 * a few dozen bytes in. Anything malformed means "upright": a broken tag must not cost the image.
 */
final class ExifOrientation {
  private static final int TAG_ORIENTATION = 0x0112;
  private static final int TYPE_SHORT = 3;

  /** Bytes of the EXIF segment examined; the orientation lives in IFD0, near its start. */
  private static final int MAX_EXIF_BYTES = 1 << 16;

  private ExifOrientation() {}

  /**
   * The orientation of the JPEG at the stream's current position, which is restored afterwards.
   * Returns {@link Orientation#NORMAL} for non-JPEG data, JPEGs without EXIF, and broken tags.
   */
  static Orientation read(ImageInputStream in) throws IOException {
    in.mark();
    try {
      return scan(in);
    } catch (EOFException e) {
      return Orientation.NORMAL;
    } finally {
      in.reset();
    }
  }

  private static Orientation scan(ImageInputStream in) throws IOException {
    if (in.read() != 0xFF || in.read() != 0xD8) {
      return Orientation.NORMAL;
    }
    while (true) {
      int b = in.read();
      if (b != 0xFF) {
        return Orientation.NORMAL; // not at a marker: damaged header, give up quietly
      }
      int marker = in.read();
      while (marker == 0xFF) {
        marker = in.read(); // fill bytes
      }
      if (marker < 0 || marker == 0xDA || marker == 0xD9) {
        return Orientation.NORMAL; // image data starts: no EXIF before it
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        continue; // markers without a length
      }
      int length = in.readUnsignedShort();
      if (length < 2) {
        return Orientation.NORMAL;
      }
      if (marker == 0xE1 && length >= 2 + 6 + 8) {
        byte[] head = new byte[6];
        in.readFully(head);
        if (head[0] == 'E'
            && head[1] == 'x'
            && head[2] == 'i'
            && head[3] == 'f'
            && head[4] == 0
            && head[5] == 0) {
          byte[] tiff = new byte[Math.min(length - 8, MAX_EXIF_BYTES)];
          in.readFully(tiff);
          return Orientation.ofExif(fromTiff(tiff));
        }
        in.skipBytes(length - 8L);
      } else {
        in.skipBytes(length - 2L);
      }
    }
  }

  /** The orientation value in a TIFF structure (EXIF payload), or 1 if absent or malformed. */
  static int fromTiff(byte[] tiff) {
    if (tiff.length < 8) {
      return 1;
    }
    ByteBuffer buf = ByteBuffer.wrap(tiff);
    if (tiff[0] == 'I' && tiff[1] == 'I') {
      buf.order(ByteOrder.LITTLE_ENDIAN);
    } else if (!(tiff[0] == 'M' && tiff[1] == 'M')) {
      return 1;
    }
    if ((buf.getShort(2) & 0xFFFF) != 42) {
      return 1;
    }
    long ifd = buf.getInt(4) & 0xFFFFFFFFL;
    if (ifd + 2 > tiff.length) {
      return 1;
    }
    int entries = buf.getShort((int) ifd) & 0xFFFF;
    for (int i = 0; i < entries; i++) {
      int at = (int) ifd + 2 + 12 * i;
      if (at + 12 > tiff.length) {
        return 1;
      }
      if ((buf.getShort(at) & 0xFFFF) == TAG_ORIENTATION) {
        int type = buf.getShort(at + 2) & 0xFFFF;
        // A SHORT value sits left-justified in the 4-byte value field, in the file's byte order.
        return type == TYPE_SHORT ? buf.getShort(at + 8) & 0xFFFF : 1;
      }
    }
    return 1;
  }
}
