package dev.jdino.bdd;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Dash-cam-like JPEG frames for benchmarks, made on the spot: sky gradient, road, lane markings,
 * box-shaped vehicles and sensor noise, at 1280x720 by default. What matters for a loader benchmark
 * is the decoder's work, which follows the compressed size; at quality 0.75 these frames come out
 * near BDD100K's own average (about 50-100 KB; the 5.3 GB archive holds 100,000 frames). Frame i
 * depends only on (seed, i).
 */
public final class SyntheticFrames {
  private SyntheticFrames() {}

  /**
   * Writes {@code n} frames {@code frame-00000.jpg ...} into {@code dir} using {@code threads}
   * threads; existing frames of the same name are replaced.
   *
   * @return the files, in order
   */
  public static List<Path> write(Path dir, int n, int width, int height, long seed, int threads)
      throws IOException {
    Files.createDirectories(dir);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
    try {
      List<Future<Path>> jobs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        jobs.add(
            pool.submit(
                () -> {
                  Path f = dir.resolve(String.format(Locale.ROOT, "frame-%05d.jpg", index));
                  writeJpeg(frame(width, height, seed * 1_000_003L + index), f, 0.75f);
                  return f;
                }));
      }
      List<Path> out = new ArrayList<>();
      for (Future<Path> j : jobs) {
        out.add(j.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** One frame. */
  public static BufferedImage frame(int w, int h, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    int horizon = (int) (h * (0.35 + 0.15 * rng.nextDouble()));
    g.setPaint(
        new GradientPaint(
            0,
            0,
            new Color(70 + rng.nextInt(60), 110 + rng.nextInt(60), 200),
            0,
            horizon,
            new Color(200, 205, 215)));
    g.fillRect(0, 0, w, horizon);
    g.setColor(new Color(60 + rng.nextInt(40), 90 + rng.nextInt(40), 50));
    g.fillRect(0, horizon, w, h - horizon);
    g.setColor(new Color(85, 85, 90));
    g.fillPolygon(
        new Polygon(
            new int[] {w / 2 - w / 20, w / 2 + w / 20, w, 0},
            new int[] {horizon, horizon, h, h},
            4));
    g.setColor(Color.WHITE);
    g.setStroke(new BasicStroke(Math.max(1, w / 200f)));
    for (int k = -1; k <= 1; k += 2) {
      g.drawLine(w / 2 + k * w / 60, horizon, w / 2 + k * w / 3, h);
    }
    int vehicles = 3 + rng.nextInt(8);
    for (int v = 0; v < vehicles; v++) {
      int bw = (int) (w * (0.04 + 0.15 * rng.nextDouble()));
      int bh = (int) (bw * (0.6 + 0.4 * rng.nextDouble()));
      int x = rng.nextInt(Math.max(1, w - bw));
      int y = horizon - bh / 3 + rng.nextInt(Math.max(1, (h - horizon) / 2));
      g.setColor(new Color(rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)));
      g.fillRoundRect(x, y, bw, bh, bw / 8, bh / 8);
      g.setColor(new Color(30, 30, 40));
      g.fillRect(x + bw / 8, y + bh / 6, bw * 3 / 4, bh / 4);
    }
    g.dispose();
    // Sensor noise: what makes real frames cost more than flat drawings to decode.
    WritableRaster r = img.getRaster();
    byte[] px = ((java.awt.image.DataBufferByte) r.getDataBuffer()).getData();
    for (int i = 0; i < px.length; i++) {
      int v = (px[i] & 0xFF) + rng.nextInt(13) - 6;
      px[i] = (byte) Math.max(0, Math.min(255, v));
    }
    return img;
  }

  /** Writes {@code img} as a baseline JPEG of the given quality (0..1). */
  public static void writeJpeg(BufferedImage img, Path file, float quality) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
      writer.setOutput(out);
      ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(quality);
      writer.write(null, new IIOImage(img, null, null), p);
    } finally {
      writer.dispose();
    }
  }
}
