package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  @TempDir Path dir;

  static Path writePng(BufferedImage img, Path file) throws IOException {
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer for type " + img.getType());
    }
    return file;
  }

  /** A 2x3 8-bit gray PNG with values 0, 7, 128 / 200, 255, 1. */
  static Path grayPng(Path file) throws IOException {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setPixels(0, 0, 3, 2, new int[] {0, 7, 128, 200, 255, 1});
    return writePng(img, file);
  }

  /** A 2x2 RGB PNG. */
  static Path colorPng(Path file) throws IOException {
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xff0000);
    img.setRGB(1, 0, 0x00ff80);
    img.setRGB(0, 1, 0x0a141e);
    img.setRGB(1, 1, 0xffffff);
    return writePng(img, file);
  }

  static float[] expectedGray() {
    int[] v = {0, 7, 128, 200, 255, 1};
    float[] out = new float[18];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 6; i++) {
        out[c * 6 + i] = v[i] / 255f;
      }
    }
    return out;
  }

  static float[] expectedColor() {
    int[][] rgb = {{255, 0, 0}, {0, 255, 128}, {10, 20, 30}, {255, 255, 255}};
    float[] out = new float[12];
    for (int p = 0; p < 4; p++) {
      for (int c = 0; c < 3; c++) {
        out[c * 4 + p] = rgb[p][c] / 255f;
      }
    }
    return out;
  }

  @Test
  void grayPngIsReplicatedWithoutGammaChange() throws Exception {
    // getRGB() would turn gray 128 into 186 (linear gray to sRGB); the raw values must survive.
    Image img = ImageDecoder.decode(grayPng(dir.resolve("g.png")));
    assertEquals(2, img.height());
    assertEquals(3, img.width());
    assertArrayEquals(expectedGray(), img.data());
  }

  @Test
  void colorPngIsExact() throws Exception {
    Image img = ImageDecoder.decode(colorPng(dir.resolve("c.png")));
    assertArrayEquals(expectedColor(), img.data());
  }

  @Test
  void sixteenBitGrayKeepsPrecision() throws Exception {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
    img.getRaster().setPixels(0, 0, 2, 1, new int[] {65535, 1000});
    Image out = ImageDecoder.decode(writePng(img, dir.resolve("g16.png")));
    assertEquals(1f, out.get(0, 0, 0));
    assertEquals(1000 / 65535f, out.get(2, 0, 1));
  }

  @Test
  void alphaIsCompositedOnBlack() throws Exception {
    BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, 0x00ff0000); // fully transparent red
    img.setRGB(1, 0, 0xff00ff00); // opaque green
    img.setRGB(2, 0, 0x800000ff); // half-transparent blue
    Image out = ImageDecoder.decode(writePng(img, dir.resolve("a.png")));
    assertEquals(0f, out.get(0, 0, 0));
    assertEquals(1f, out.get(1, 0, 1));
    assertEquals(128 / 255f, out.get(2, 0, 2), 1e-6f);
    assertEquals(0f, out.get(0, 0, 2));
  }

  @Test
  void paletteImageGivesPaletteColours() throws Exception {
    byte[] r = {(byte) 250, 3};
    byte[] g = {5, (byte) 130};
    byte[] b = {9, 77};
    IndexColorModel cm = new IndexColorModel(1, 2, r, g, b);
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, cm);
    img.getRaster().setPixels(0, 0, 2, 1, new int[] {1, 0});
    Image out = ImageDecoder.decode(writePng(img, dir.resolve("p.png")));
    assertArrayEquals(
        new float[] {3 / 255f, 250 / 255f, 130 / 255f, 5 / 255f, 77 / 255f, 9 / 255f}, out.data());
  }

  @Test
  void jpegAndBmpAndGifDecode() throws Exception {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        img.setRGB(x, y, 0x808080);
      }
    }
    for (String fmt : new String[] {"jpg", "bmp", "gif"}) {
      Path f = dir.resolve("x." + fmt);
      assertTrue(ImageIO.write(img, fmt, f.toFile()), fmt);
      Image out = ImageDecoder.decode(f);
      assertEquals(8, out.width(), fmt);
      assertEquals(128 / 255f, out.get(1, 4, 4), 2 / 255f, fmt);
    }
  }

  @Test
  void corruptAndNonImageFilesThrowIoExceptionWithPath() throws Exception {
    Path text = dir.resolve("notes.jpg");
    Files.writeString(text, "this is not a JPEG", StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(text));
    assertTrue(e.getMessage().contains(text.toString()), e.getMessage());

    byte[] png = Files.readAllBytes(colorPng(dir.resolve("ok.png")));
    Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
    e = assertThrows(IOException.class, () -> ImageDecoder.decode(cut));
    assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());

    Path missing = dir.resolve("missing.png");
    e = assertThrows(IOException.class, () -> ImageDecoder.decode(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }
}
