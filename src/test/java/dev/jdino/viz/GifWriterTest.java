package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The animated GIF, read back with ImageIO. */
class GifWriterTest {

  /** What ImageIO reads back from a GIF. */
  record Gif(
      int frames,
      int width,
      int height,
      int[] delays,
      boolean loopsForever,
      boolean anyLocalTable,
      int globalTableSize,
      List<BufferedImage> images) {}

  static Gif read(Path file) throws Exception {
    ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      reader.setInput(in);
      int n = reader.getNumImages(true);
      IIOMetadataNode stream =
          (IIOMetadataNode) reader.getStreamMetadata().getAsTree("javax_imageio_gif_stream_1.0");
      var gct = stream.getElementsByTagName("GlobalColorTable");
      int globalSize =
          gct.getLength() == 0
              ? 0
              : Integer.parseInt(
                  ((IIOMetadataNode) gct.item(0)).getAttribute("sizeOfGlobalColorTable"));
      int[] delays = new int[n];
      boolean loop = false;
      boolean local = false;
      List<BufferedImage> images = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        IIOMetadataNode root =
            (IIOMetadataNode) reader.getImageMetadata(i).getAsTree("javax_imageio_gif_image_1.0");
        IIOMetadataNode gce =
            (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
        delays[i] = Integer.parseInt(gce.getAttribute("delayTime"));
        local |= root.getElementsByTagName("LocalColorTable").getLength() > 0;
        var apps = root.getElementsByTagName("ApplicationExtension");
        for (int k = 0; k < apps.getLength(); k++) {
          IIOMetadataNode app = (IIOMetadataNode) apps.item(k);
          byte[] data = (byte[]) app.getUserObject();
          if (i == 0
              && app.getAttribute("applicationID").equals("NETSCAPE")
              && app.getAttribute("authenticationCode").equals("2.0")
              && data.length == 3
              && data[0] == 1
              && data[1] == 0
              && data[2] == 0) {
            loop = true;
          }
        }
        images.add(reader.read(i));
      }
      BufferedImage first = images.get(0);
      return new Gif(
          n, first.getWidth(), first.getHeight(), delays, loop, local, globalSize, images);
    } finally {
      reader.dispose();
    }
  }

  private static BufferedImage filled(int w, int h, int rgb) {
    BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        b.setRGB(x, y, rgb);
      }
    }
    return b;
  }

  @Test
  void framesDelaysLoopAndOnePaletteSurviveAReadBack(@TempDir Path tmp) throws Exception {
    List<BufferedImage> frames =
        List.of(
            filled(40, 30, Colormap.entry(0)),
            filled(40, 30, Colormap.entry(253)),
            filled(40, 30, 0x808080));
    Path file = tmp.resolve("a.gif");
    GifWriter.write(file, frames, new int[] {25, 25, 200}, true);
    Gif g = read(file);
    assertEquals(3, g.frames());
    assertEquals(40, g.width());
    assertEquals(30, g.height());
    assertArrayEquals(new int[] {25, 25, 200}, g.delays());
    assertTrue(g.loopsForever(), "NETSCAPE2.0 loop extension with count 0");
    // One global palette for every frame: no per-frame tables, so nothing can flicker.
    assertTrue(!g.anyLocalTable(), "frames carry local colour tables");
    assertEquals(256, g.globalTableSize());
    // Viridis entries the palette holds come back exactly; gray to the nearest of 64 levels.
    assertEquals(Colormap.entry(0), g.images().get(0).getRGB(5, 5) & 0xffffff);
    assertEquals(Colormap.entry(253), g.images().get(1).getRGB(39, 29) & 0xffffff);
    int gray = g.images().get(2).getRGB(0, 0) & 0xff;
    assertTrue(Math.abs(gray - 0x80) <= 2, "gray " + gray);
  }

  @Test
  void withoutLoopThereIsNoLoopExtension(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("b.gif");
    GifWriter.write(file, List.of(filled(8, 8, 0xffffff)), new int[] {10}, false);
    Gif g = read(file);
    assertEquals(1, g.frames());
    assertTrue(!g.loopsForever());
    assertNotNull(g.images().get(0));
  }

  @Test
  void paletteHoldsEveryOtherViridisEntryGraysAndACube() {
    var p = GifWriter.palette();
    assertEquals(256, p.getMapSize());
    assertEquals(Colormap.entry(0), p.getRGB(0) & 0xffffff);
    assertEquals(Colormap.entry(255), p.getRGB(127) & 0xffffff);
    assertEquals(0x000000, p.getRGB(128) & 0xffffff);
    assertEquals(0xffffff, p.getRGB(191) & 0xffffff);
    assertEquals(0xff0000, p.getRGB(192 + 48) & 0xffffff);
  }
}
