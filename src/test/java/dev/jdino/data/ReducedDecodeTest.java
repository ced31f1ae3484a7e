package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.AugmentConfig;
import dev.jdino.augment.Image;
import dev.jdino.train.DinoConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** EXIF orientation, reduced-resolution and region decoding, damaged JPEGs. */
class ReducedDecodeTest {
  @TempDir Path dir;

  /** The colour (as 0xRRGGBB, rounded) of pixel (y, x). */
  static int rgb(Image img, int y, int x) {
    int r = Math.round(img.get(0, y, x) * 255);
    int g = Math.round(img.get(1, y, x) * 255);
    int b = Math.round(img.get(2, y, x) * 255);
    return r << 16 | g << 8 | b;
  }

  /** True if the colours are within a JPEG's error of each other. */
  static boolean near(int a, int b) {
    for (int s = 0; s <= 16; s += 8) {
      if (Math.abs(((a >> s) & 0xff) - ((b >> s) & 0xff)) > 40) {
        return false;
      }
    }
    return true;
  }

  static void assertCorners(Image img, int tl, int tr, int bl, int br) {
    int h = img.height() - 3;
    int w = img.width() - 3;
    int[] got = {rgb(img, 2, 2), rgb(img, 2, w), rgb(img, h, 2), rgb(img, h, w)};
    int[] want = {tl, tr, bl, br};
    for (int i = 0; i < 4; i++) {
      assertTrue(
          near(got[i], want[i]),
          "corner "
              + i
              + ": got "
              + Integer.toHexString(got[i])
              + ", want "
              + Integer.toHexString(want[i]));
    }
  }

  @Test
  void decodeSizeRuleFollowsTheCropConfiguration() {
    // 224 / sqrt(0.4) = 354.2, 96 / sqrt(0.05) = 429.3
    assertEquals(430, DecodeSize.minSourceSide(AugmentConfig.imagenet()));
    // 28 / sqrt(0.4) = 44.3, 12 / sqrt(0.1) = 37.9
    assertEquals(45, DecodeSize.minSourceSide(DinoConfig.preset("fmnist-small").augment()));
    assertEquals(16, DecodeSize.subsampling(1280, 720, 45)); // ceil(720 / 16) = 45
    assertEquals(1, DecodeSize.subsampling(1280, 720, 430));
    assertEquals(1, DecodeSize.subsampling(1280, 720, 0));
    assertEquals(3, DecodeSize.subsampling(4000, 3000, 1000)); // 3000/3 = 1000 > ceil(3000/4)
    assertEquals(5, DecodeSize.subsampling(20000, 20000, 0)); // the pixel budget: 4000^2 <= 2^24
    // a shorter side of 1 (train's "does anything decode" probe): one pixel row, at once
    assertEquals(120, DecodeSize.subsampling(160, 120, 1));
    assertEquals(1, DecodeSize.subsampling(1, 1, 1));
  }

  @Test
  void exifOrientationIsHonouredInBothByteOrders() throws Exception {
    byte[] plain = TestImages.jpeg(TestImages.quadrants(64, 32), 0.95f);
    int r = TestImages.RED;
    int g = TestImages.GREEN;
    int b = TestImages.BLUE;
    int w = TestImages.WHITE;
    // Expected upright corners (top-left, top-right, bottom-left, bottom-right) per orientation.
    int[][] corners = {
      {r, g, b, w}, {g, r, w, b}, {w, b, g, r}, {b, w, r, g},
      {r, b, g, w}, {b, r, w, g}, {w, g, b, r}, {g, w, r, b}
    };
    for (int o = 1; o <= 8; o++) {
      Path f = dir.resolve("o" + o + ".jpg");
      Files.write(f, TestImages.withExifOrientation(plain, o, o % 2 == 0));
      Image img = ImageDecoder.decode(f);
      boolean swap = o >= 5;
      assertEquals(swap ? 64 : 32, img.height(), "orientation " + o);
      assertEquals(swap ? 32 : 64, img.width(), "orientation " + o);
      int[] c = corners[o - 1];
      assertCorners(img, c[0], c[1], c[2], c[3]);
      ImageDecoder.Info info = ImageDecoder.probe(f);
      assertEquals(img.width(), info.width());
      assertEquals(img.height(), info.height());
      assertEquals(Orientation.ofExif(o), info.orientation());
    }
  }

  @Test
  void regionOfARotatedImageIsTheUprightRegion() throws Exception {
    byte[] plain = TestImages.jpeg(TestImages.quadrants(64, 32), 0.95f);
    Path f = Files.write(dir.resolve("r.jpg"), TestImages.withExifOrientation(plain, 6, false));
    // Upright (32 wide, 64 tall): blue top-left, red top-right, white bottom-left, green
    // bottom-right. The right half of the bottom half is green only.
    Image part = ImageDecoder.decodeRegion(f, new int[] {18, 36, 12, 26}, 0);
    assertEquals(26, part.height());
    assertEquals(12, part.width());
    assertCorners(part, TestImages.GREEN, TestImages.GREEN, TestImages.GREEN, TestImages.GREEN);
    assertThrows(IOException.class, () -> ImageDecoder.decodeRegion(f, new int[] {40, 0, 5, 5}, 0));
  }

  @Test
  void reducedDecodeKeepsTheShorterSideTheCropsNeed() throws Exception {
    Path f =
        Files.write(dir.resolve("big.jpg"), TestImages.jpeg(TestImages.quadrants(1280, 720), 0.8f));
    Image small = ImageDecoder.decode(f, 45);
    assertEquals(45, small.height());
    assertEquals(80, small.width());
    assertCorners(small, TestImages.RED, TestImages.GREEN, TestImages.BLUE, TestImages.WHITE);
    Image full = ImageDecoder.decode(f, 430);
    assertEquals(720, full.height());
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void hugeImageIsDecodedWithinThePixelBudget() throws Exception {
    Path f = dir.resolve("huge.png");
    TestImages.hugeGrayPng(f, 20000, 77);
    Image small = ImageDecoder.decode(f, 45);
    assertEquals(45, small.height());
    assertEquals(77 / 255f, small.get(1, 20, 20), 1e-6f);
    ImageDecoder.Info info = ImageDecoder.probe(f);
    assertEquals(20000, info.width());
    // No hint: the budget alone (20000 / 5 = 4000 per side).
    Image capped = ImageDecoder.decode(f);
    assertEquals(4000, capped.width());
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void truncatedJpegIsAnErrorNotAGrayImage() throws Exception {
    byte[] whole = TestImages.jpeg(TestImages.noisy(640, 480, 1), 0.9f);
    Path f = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(whole, whole.length / 2));
    IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(f));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
  }

  @Test
  void cmykJpegDecodesToRgb() throws Exception {
    Path f = Files.write(dir.resolve("cmyk.jpg"), TestImages.cmykJpeg(32, 16));
    Image img = ImageDecoder.decode(f);
    assertTrue(near(rgb(img, 8, 4), 0x00ffff), Integer.toHexString(rgb(img, 8, 4)));
    assertTrue(near(rgb(img, 8, 28), 0xff0000), Integer.toHexString(rgb(img, 8, 28)));
  }

  @Test
  void emptyAndUnreadableFilesSayWhy() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.jpg"));
    assertTrue(
        assertThrows(IOException.class, () -> ImageDecoder.decode(empty))
            .getMessage()
            .endsWith("empty file"));
    Path loop = dir.resolve("loop.jpg");
    Files.createSymbolicLink(loop, dir.resolve("loop2.jpg"));
    Files.createSymbolicLink(dir.resolve("loop2.jpg"), loop);
    String m = assertThrows(IOException.class, () -> ImageDecoder.decode(loop)).getMessage();
    assertTrue(m.startsWith(loop.toString()) && m.contains("cannot open"), m);
  }

  @Test
  void orientationRectangleMappingRoundTrips() {
    int sw = 7;
    int sh = 5;
    for (Orientation o : Orientation.values()) {
      int dw = o.swapsAxes() ? sh : sw;
      int dh = o.swapsAxes() ? sw : sh;
      // A single display pixel maps to the stored pixel apply() copies from.
      float[] data = new float[3 * sh * sw];
      for (int i = 0; i < sh * sw; i++) {
        data[i] = i;
      }
      Image upright = o.apply(new Image(sh, sw, data));
      for (int y = 0; y < dh; y++) {
        for (int x = 0; x < dw; x++) {
          int[] r = o.storedRect(x, y, 1, 1, sw, sh);
          assertArrayEquals(new int[] {r[0], r[1], 1, 1}, r);
          assertEquals(r[1] * sw + r[0], (int) upright.get(0, y, x), o + " at " + y + "," + x);
        }
      }
    }
  }
}
