package dev.jdino.discover;

/**
 * An axis-aligned box with corners ({@code x0}, {@code y0}) and ({@code x1}, {@code y1}), in
 * continuous pixel (or patch) coordinates: pixel column i covers [i, i + 1), so a box of whole
 * pixels 2..4 is [2, 5).
 */
public record Box(double x0, double y0, double x1, double y1) {

  /** A COCO {@code bbox} {x, y, width, height}. */
  public static Box ofCoco(double x, double y, double w, double h) {
    return new Box(x, y, x + w, y + h);
  }

  public double width() {
    return Math.max(0, x1 - x0);
  }

  public double height() {
    return Math.max(0, y1 - y0);
  }

  public double area() {
    return width() * height();
  }

  /** This box with x multiplied by {@code sx} and y by {@code sy} (a change of resolution). */
  public Box scale(double sx, double sy) {
    return new Box(x0 * sx, y0 * sy, x1 * sx, y1 * sy);
  }

  /** Intersection over union; 0 when either box is empty. */
  public double iou(Box o) {
    double iw = Math.min(x1, o.x1) - Math.max(x0, o.x0);
    double ih = Math.min(y1, o.y1) - Math.max(y0, o.y0);
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    double union = area() + o.area() - inter;
    return union <= 0 ? 0 : inter / union;
  }

  /** [x, y, w, h] as COCO writes boxes. */
  public double[] toCoco() {
    return new double[] {x0, y0, width(), height()};
  }
}
