package dev.jdino.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Odd image files made on the spot, for decoder and messy-folder tests. */
public final class TestImages {
  private TestImages() {}

  public static final int RED = 0xff0000;
  public static final int GREEN = 0x00ff00;
  public static final int BLUE = 0x0000ff;
  public static final int WHITE = 0xffffff;

  /**
   * A {@code w x h} image in four solid quadrants: red top-left, green top-right, blue bottom-left,
   * white bottom-right. Any rotation or flip shows as a different corner colour.
   */
  public static BufferedImage quadrants(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean right = x >= w / 2;
        boolean bottom = y >= h / 2;
        img.setRGB(x, y, bottom ? (right ? WHITE : BLUE) : (right ? GREEN : RED));
      }
    }
    return img;
  }

  /** Random pixels: a JPEG of it has entropy-coded data all the way down. */
  public static BufferedImage noisy(int w, int h, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rng.nextInt(1 << 24));
      }
    }
    return img;
  }

  /** JPEG bytes of {@code img} (3-channel) at {@code quality}. */
  public static byte[] jpeg(BufferedImage img, float quality) throws IOException {
    BufferedImage rgb = img;
    if (img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
      rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
      rgb.getGraphics().drawImage(img, 0, 0, null);
    }
    return write(new IIOImage(rgb, null, null), quality);
  }

  /** {@code jpeg} with an EXIF APP1 segment holding only the orientation tag, after SOI. */
  public static byte[] withExifOrientation(byte[] jpeg, int orientation, boolean littleEndian) {
    ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4);
    tiff.order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    tiff.put(littleEndian ? (byte) 'I' : (byte) 'M').put(littleEndian ? (byte) 'I' : (byte) 'M');
    tiff.putShort((short) 42).putInt(8);
    tiff.putShort((short) 1); // one IFD entry
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1);
    tiff.putShort((short) orientation).putShort((short) 0);
    tiff.putInt(0); // no next IFD
    byte[] payload = tiff.array();
    byte[] exif = new byte[4 + 6 + payload.length];
    int len = 2 + 6 + payload.length;
    exif[0] = (byte) 0xFF;
    exif[1] = (byte) 0xE1;
    exif[2] = (byte) (len >> 8);
    exif[3] = (byte) len;
    System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, exif, 4, 6);
    System.arraycopy(payload, 0, exif, 10, payload.length);
    return insertAfterSoi(jpeg, exif);
  }

  /**
   * A CMYK JPEG (4 components, Adobe APP14 marker with transform 0, inverted values as Photoshop
   * writes them): left half pure cyan, right half magenta + yellow (red). Written by the JDK's JPEG
   * writer from a 4-band raster; the APP14 segment tells readers the bands are CMYK.
   */
  public static byte[] cmykJpeg(int w, int h) throws IOException {
    WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int[] cmyk = x < w / 2 ? new int[] {255, 0, 0, 0} : new int[] {0, 255, 255, 0};
        for (int i = 0; i < 4; i++) {
          cmyk[i] = 255 - cmyk[i];
        }
        r.setPixel(x, y, cmyk);
      }
    }
    byte[] plain = write(new IIOImage(r, null, null), 0.95f);
    byte[] adobe = {
      (byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0
    };
    return insertAfterSoi(plain, adobe);
  }

  /** A 16-bit RGB PNG: every pixel (r, g, b) = (65535, 1000, 0). */
  public static void png16(Path file, int w, int h) throws IOException {
    java.awt.color.ColorSpace cs =
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB);
    java.awt.image.ComponentColorModel cm =
        new java.awt.image.ComponentColorModel(
            cs, false, false, java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
    WritableRaster r = cm.createCompatibleWritableRaster(w, h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        r.setPixel(x, y, new int[] {65535, 1000, 0});
      }
    }
    ImageIO.write(new BufferedImage(cm, r, false, null), "png", file.toFile());
  }

  /** A palette PNG with transparency (tRNS): index 0 opaque green, index 1 fully transparent. */
  public static void palettePngWithAlpha(Path file, int w, int h) throws IOException {
    byte[] r = {0, (byte) 255};
    byte[] g = {(byte) 255, 0};
    byte[] b = {0, 0};
    byte[] a = {(byte) 255, 0};
    IndexColorModel cm = new IndexColorModel(8, 2, r, g, b, a);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, x < w / 2 ? 0 : 1);
      }
    }
    ImageIO.write(img, "png", file.toFile());
  }

  /**
   * A {@code side x side} 8-bit gray PNG of constant value, streamed row by row (the image never
   * exists in memory): 20000 x 20000 takes about half a second and 2 MB.
   */
  public static void hugeGrayPng(Path file, int side, int value) throws IOException {
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file));
        DataOutputStream out = new DataOutputStream(os)) {
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
      ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(ihdr);
      d.writeInt(side);
      d.writeInt(side);
      d.write(new byte[] {8, 0, 0, 0, 0}); // 8-bit gray, deflate, no filter, no interlace
      chunk(out, "IHDR", ihdr.toByteArray());
      ByteArrayOutputStream idat = new ByteArrayOutputStream();
      Deflater def = new Deflater(Deflater.BEST_SPEED);
      try (DeflaterOutputStream z = new DeflaterOutputStream(idat, def, 1 << 16)) {
        byte[] row = new byte[1 + side];
        Arrays.fill(row, (byte) value);
        row[0] = 0; // filter type: none
        for (int y = 0; y < side; y++) {
          z.write(row);
        }
      } finally {
        def.end();
      }
      chunk(out, "IDAT", idat.toByteArray());
      chunk(out, "IEND", new byte[0]);
    }
  }

  private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
    CRC32 crc = new CRC32();
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(data.length);
    out.write(t);
    out.write(data);
    crc.update(t);
    crc.update(data);
    out.writeInt((int) crc.getValue());
  }

  private static byte[] write(IIOImage image, float quality) throws IOException {
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      w.setOutput(out);
      ImageWriteParam p = w.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(quality);
      w.write(null, image, p);
    } finally {
      w.dispose();
    }
    return bytes.toByteArray();
  }

  private static byte[] insertAfterSoi(byte[] jpeg, byte[] segment) {
    byte[] out = new byte[jpeg.length + segment.length];
    System.arraycopy(jpeg, 0, out, 0, 2);
    System.arraycopy(segment, 0, out, 2, segment.length);
    System.arraycopy(jpeg, 2, out, 2 + segment.length, jpeg.length - 2);
    return out;
  }
}
