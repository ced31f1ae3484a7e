package dev.jdino.viz;

import dev.jdino.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes a looping animated GIF with javax.imageio (GIF89a, which every browser and viewer plays).
 *
 * <p>All frames share one fixed 256-colour palette: 128 viridis entries (every other one of the
 * heatmap colours), 64 grays (inputs, text) and a 4x4x4 colour cube (colour inputs, mask colours).
 * A per-frame palette (median cut per frame) would make the same colour shift between frames, which
 * flickers; a fixed palette keeps a pixel that does not change identical. Each pixel takes the
 * nearest palette colour (no dithering, which would make static areas shimmer).
 */
public final class GifWriter {
  private static final IndexColorModel PALETTE = palette();

  private GifWriter() {}

  /**
   * Writes {@code frames} (all the same size) to {@code file}, atomically.
   *
   * @param delaysCs per-frame display time in hundredths of a second (GIF's unit), 1 to 65535
   * @param loop true to loop forever (the NETSCAPE2.0 extension with loop count 0)
   */
  public static void write(Path file, List<BufferedImage> frames, int[] delaysCs, boolean loop)
      throws IOException {
    if (frames.isEmpty() || frames.size() != delaysCs.length) {
      throw new IllegalArgumentException("need one delay per frame and at least one frame");
    }
    int w = frames.get(0).getWidth();
    int h = frames.get(0).getHeight();
    for (BufferedImage f : frames) {
      if (f.getWidth() != w || f.getHeight() != h) {
        throw new IllegalArgumentException("frames differ in size");
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    AtomicFiles.write(
        file,
        out -> {
          try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.prepareWriteSequence(streamMetadata(writer, w, h));
            Map<Integer, Byte> cache = new HashMap<>();
            for (int i = 0; i < frames.size(); i++) {
              BufferedImage indexed = quantize(frames.get(i), cache);
              ImageWriteParam param = writer.getDefaultWriteParam();
              IIOMetadata meta =
                  writer.getDefaultImageMetadata(
                      ImageTypeSpecifier.createFromRenderedImage(indexed), param);
              configure(meta, Math.max(1, Math.min(65535, delaysCs[i])), loop && i == 0);
              writer.writeToSequence(new IIOImage(indexed, null, meta), param);
            }
            writer.endWriteSequence();
          } finally {
            writer.dispose();
          }
        });
  }

  /**
   * The header with the palette as the global colour table. Without it the JDK's writer puts a
   * default table in the header and, seeing indexed frames, writes no local tables either: the
   * frames then decode with the wrong colours.
   */
  private static IIOMetadata streamMetadata(ImageWriter writer, int w, int h) throws IOException {
    IIOMetadata meta = writer.getDefaultStreamMetadata(writer.getDefaultWriteParam());
    String format = meta.getNativeMetadataFormatName();
    IIOMetadataNode root = new IIOMetadataNode(format);
    IIOMetadataNode version = new IIOMetadataNode("Version");
    version.setAttribute("value", "89a");
    root.appendChild(version);
    IIOMetadataNode screen = new IIOMetadataNode("LogicalScreenDescriptor");
    screen.setAttribute("logicalScreenWidth", Integer.toString(w));
    screen.setAttribute("logicalScreenHeight", Integer.toString(h));
    screen.setAttribute("colorResolution", "8");
    screen.setAttribute("pixelAspectRatio", "0");
    root.appendChild(screen);
    IIOMetadataNode table = new IIOMetadataNode("GlobalColorTable");
    table.setAttribute("sizeOfGlobalColorTable", "256");
    table.setAttribute("backgroundColorIndex", "0");
    table.setAttribute("sortFlag", "FALSE");
    for (int i = 0; i < PALETTE.getMapSize(); i++) {
      IIOMetadataNode e = new IIOMetadataNode("ColorTableEntry");
      e.setAttribute("index", Integer.toString(i));
      e.setAttribute("red", Integer.toString(PALETTE.getRed(i)));
      e.setAttribute("green", Integer.toString(PALETTE.getGreen(i)));
      e.setAttribute("blue", Integer.toString(PALETTE.getBlue(i)));
      table.appendChild(e);
    }
    root.appendChild(table);
    meta.setFromTree(format, root);
    return meta;
  }

  private static void configure(IIOMetadata meta, int delayCs, boolean loopExtension)
      throws IOException {
    String format = meta.getNativeMetadataFormatName();
    IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
    // Frames use the global table: a local one would repeat it in every frame.
    for (int i = root.getLength() - 1; i >= 0; i--) {
      if (root.item(i).getNodeName().equals("LocalColorTable")) {
        root.removeChild(root.item(i));
      }
    }
    IIOMetadataNode gce = child(root, "GraphicControlExtension");
    gce.setAttribute("disposalMethod", "none");
    gce.setAttribute("userInputFlag", "FALSE");
    gce.setAttribute("transparentColorFlag", "FALSE");
    gce.setAttribute("delayTime", Integer.toString(delayCs));
    gce.setAttribute("transparentColorIndex", "0");
    if (loopExtension) {
      IIOMetadataNode apps = child(root, "ApplicationExtensions");
      IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
      app.setAttribute("applicationID", "NETSCAPE");
      app.setAttribute("authenticationCode", "2.0");
      // Sub-block 1, then the loop count as a little-endian short: 0 = forever.
      app.setUserObject(new byte[] {1, 0, 0});
      apps.appendChild(app);
    }
    meta.setFromTree(format, root);
  }

  private static IIOMetadataNode child(IIOMetadataNode root, String name) {
    for (int i = 0; i < root.getLength(); i++) {
      if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
        return (IIOMetadataNode) root.item(i);
      }
    }
    IIOMetadataNode node = new IIOMetadataNode(name);
    root.appendChild(node);
    return node;
  }

  /** {@code img} mapped to the fixed palette. */
  static BufferedImage quantize(BufferedImage img, Map<Integer, Byte> cache) {
    int w = img.getWidth();
    int h = img.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, PALETTE);
    int[] row = new int[w];
    byte[] idx = new byte[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        idx[x] = cache.computeIfAbsent(row[x] & 0xffffff, GifWriter::nearest);
      }
      out.getRaster().setDataElements(0, y, w, 1, idx);
    }
    return out;
  }

  /** The palette index closest to {@code rgb} in RGB distance. */
  static byte nearest(int rgb) {
    int r = (rgb >> 16) & 0xff;
    int g = (rgb >> 8) & 0xff;
    int b = rgb & 0xff;
    int best = 0;
    int bestD = Integer.MAX_VALUE;
    for (int i = 0; i < PALETTE.getMapSize(); i++) {
      int dr = PALETTE.getRed(i) - r;
      int dg = PALETTE.getGreen(i) - g;
      int db = PALETTE.getBlue(i) - b;
      int d = dr * dr + dg * dg + db * db;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return (byte) best;
  }

  /** The fixed palette (see the class comment). */
  public static IndexColorModel palette() {
    byte[] r = new byte[256];
    byte[] g = new byte[256];
    byte[] b = new byte[256];
    int k = 0;
    for (int i = 0; i < 128; i++, k++) {
      set(r, g, b, k, Colormap.entry(Math.round(i * 255f / 127f)));
    }
    for (int i = 0; i < 64; i++, k++) {
      int v = Math.round(i * 255f / 63f);
      set(r, g, b, k, (v << 16) | (v << 8) | v);
    }
    int[] levels = {0, 85, 170, 255};
    for (int ri : levels) {
      for (int gi : levels) {
        for (int bi : levels) {
          set(r, g, b, k++, (ri << 16) | (gi << 8) | bi);
        }
      }
    }
    return new IndexColorModel(8, 256, r, g, b);
  }

  private static void set(byte[] r, byte[] g, byte[] b, int i, int rgb) {
    r[i] = (byte) (rgb >> 16);
    g[i] = (byte) (rgb >> 8);
    b[i] = (byte) rgb;
  }
}
