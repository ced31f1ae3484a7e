package dev.jdino.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * A labelled picture grid: title lines on top, then rows of tiles, each tile with its label above
 * it and each row with an optional label on the left. Columns are as wide as their widest tile.
 */
public final class TileGrid {
  /** One picture with its caption (null for none). */
  public record Tile(String label, BufferedImage image) {}

  /** Dark text on white (pictures for the report); {@link #DARK} suits animations. */
  public record Theme(Color background, Color text, Color dim) {}

  public static final Theme LIGHT =
      new Theme(Color.WHITE, new Color(0x20, 0x20, 0x20), new Color(0x70, 0x70, 0x70));
  public static final Theme DARK =
      new Theme(
          new Color(0x12, 0x12, 0x12), new Color(0xf0, 0xf0, 0xf0), new Color(0xa0, 0xa0, 0xa0));

  private static final int PAD = 8;
  static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private final List<String> title = new ArrayList<>();
  private final List<String> rowLabels = new ArrayList<>();
  private final List<List<Tile>> rows = new ArrayList<>();
  private final Theme theme;
  private int minWidth;

  public TileGrid(Theme theme) {
    this.theme = theme;
  }

  /** Makes the picture at least {@code width} pixels wide (frames of one animation agree). */
  public TileGrid minWidth(int width) {
    this.minWidth = width;
    return this;
  }

  /** Adds a title line (the first is bold). */
  public TileGrid title(String line) {
    title.add(line);
    return this;
  }

  /** Adds a row of tiles; {@code label} (may be null) is written on the left. */
  public TileGrid row(String label, List<Tile> tiles) {
    rowLabels.add(label);
    rows.add(List.copyOf(tiles));
    return this;
  }

  /** Draws the grid. */
  public BufferedImage render() {
    FontMetrics lm = metrics(LABEL);
    FontMetrics tm = metrics(TITLE);
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] colWidth = new int[columns];
    int[] rowHeight = new int[rows.size()];
    int rowLabelWidth = 0;
    for (int r = 0; r < rows.size(); r++) {
      List<Tile> row = rows.get(r);
      for (int c = 0; c < row.size(); c++) {
        Tile t = row.get(c);
        colWidth[c] =
            Math.max(
                colWidth[c],
                Math.max(t.image().getWidth(), t.label() == null ? 0 : lm.stringWidth(t.label())));
        rowHeight[r] = Math.max(rowHeight[r], t.image().getHeight());
      }
      if (rowLabels.get(r) != null) {
        rowLabelWidth = Math.max(rowLabelWidth, lm.stringWidth(rowLabels.get(r)) + PAD);
      }
    }
    int labelH = lm.getHeight() + 2;
    int titleH = title.isEmpty() ? 0 : title.size() * (tm.getHeight() + 2) + PAD / 2;
    int width = PAD + rowLabelWidth;
    for (int w : colWidth) {
      width += w + PAD;
    }
    width = Math.max(width, minWidth);
    int height = PAD + titleH;
    for (int h : rowHeight) {
      height += labelH + h + PAD;
    }
    for (String line : title) {
      width = Math.max(width, PAD * 2 + tm.stringWidth(line));
    }
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(theme.background());
      g.fillRect(0, 0, width, height);
      int y = PAD;
      for (int i = 0; i < title.size(); i++) {
        g.setFont(i == 0 ? TITLE : LABEL);
        g.setColor(i == 0 ? theme.text() : theme.dim());
        g.drawString(title.get(i), PAD, y + tm.getAscent());
        y += tm.getHeight() + 2;
      }
      y = PAD + titleH;
      g.setFont(LABEL);
      for (int r = 0; r < rows.size(); r++) {
        int x = PAD + rowLabelWidth;
        if (rowLabels.get(r) != null) {
          g.setColor(theme.dim());
          g.drawString(rowLabels.get(r), PAD, y + labelH + rowHeight[r] / 2 + lm.getAscent() / 2);
        }
        List<Tile> row = rows.get(r);
        for (int c = 0; c < row.size(); c++) {
          Tile t = row.get(c);
          if (t.label() != null) {
            g.setColor(theme.text());
            g.drawString(t.label(), x, y + lm.getAscent());
          }
          g.drawImage(t.image(), x, y + labelH, null);
          x += colWidth[c] + PAD;
        }
        y += labelH + rowHeight[r] + PAD;
      }
    } finally {
      g.dispose();
    }
    return out;
  }

  static FontMetrics metrics(Font font) {
    BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = scratch.createGraphics();
    try {
      return g.getFontMetrics(font);
    } finally {
      g.dispose();
    }
  }
}
