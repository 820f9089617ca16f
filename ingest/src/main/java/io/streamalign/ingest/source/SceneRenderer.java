package io.streamalign.ingest.source;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Renders one gray camera frame of a shape scene with Java2D (headless): a filled shape of the
 * class at a given position, scale and rotation over a flat background, plus Gaussian sensor noise.
 * Text is not drawn, so no system font is needed.
 */
public final class SceneRenderer {

  /** Shape classes this renderer can draw. */
  public static final List<String> SHAPES =
      List.of(
          "circle",
          "square",
          "triangle",
          "star",
          "cross",
          "diamond",
          "ring",
          "arrow",
          "hexagon",
          "moon");

  private SceneRenderer() {}

  /**
   * Placement and looks of the shape in one frame; position and scale are fractions of the frame
   * side.
   */
  public record Pose(
      double x, double y, double scale, double rotation, int background, int foreground) {}

  /** Row-major 8-bit gray pixels ({@code size * size}). */
  public static byte[] render(
      String shape, Pose pose, int size, double noise, SplittableRandom rnd) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(gray(pose.background()));
      g.fillRect(0, 0, size, size);
      AffineTransform at = new AffineTransform();
      at.translate(pose.x() * size, pose.y() * size);
      at.rotate(pose.rotation());
      at.scale(pose.scale() * size / 2, pose.scale() * size / 2);
      Shape s = at.createTransformedShape(unit(shape));
      g.setColor(gray(pose.foreground()));
      g.fill(s);
      g.setStroke(new BasicStroke(1f));
      g.draw(s);
    } finally {
      g.dispose();
    }
    byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData().clone();
    if (noise > 0) {
      for (int i = 0; i < px.length; i++) {
        int v = (px[i] & 0xff) + (int) Math.round(rnd.nextGaussian() * noise);
        px[i] = (byte) Math.max(0, Math.min(255, v));
      }
    }
    return px;
  }

  private static Color gray(int v) {
    int c = Math.max(0, Math.min(255, v));
    return new Color(c, c, c);
  }

  /** The shape centred on the origin within the unit disc. */
  static Shape unit(String shape) {
    return switch (shape) {
      case "circle" -> new Ellipse2D.Double(-1, -1, 2, 2);
      case "square" -> new Rectangle2D.Double(-0.75, -0.75, 1.5, 1.5);
      case "triangle" -> polygon(3, 1.0, 0, -Math.PI / 2);
      case "star" -> star(5, 1.0, 0.4);
      case "cross" -> {
        Area a = new Area(new Rectangle2D.Double(-1, -0.28, 2, 0.56));
        a.add(new Area(new Rectangle2D.Double(-0.28, -1, 0.56, 2)));
        yield a;
      }
      case "diamond" -> {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(0, -1);
        p.lineTo(0.55, 0);
        p.lineTo(0, 1);
        p.lineTo(-0.55, 0);
        p.closePath();
        yield p;
      }
      case "ring" -> {
        Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
        a.subtract(new Area(new Ellipse2D.Double(-0.6, -0.6, 1.2, 1.2)));
        yield a;
      }
      case "arrow" -> {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(1, 0);
        p.lineTo(0.1, -0.8);
        p.lineTo(0.1, -0.3);
        p.lineTo(-1, -0.3);
        p.lineTo(-1, 0.3);
        p.lineTo(0.1, 0.3);
        p.lineTo(0.1, 0.8);
        p.closePath();
        yield p;
      }
      case "hexagon" -> polygon(6, 1.0, 0, 0);
      case "moon" -> {
        Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
        a.subtract(new Area(new Ellipse2D.Double(-0.45, -1.05, 2, 2)));
        yield a;
      }
      default -> throw new IllegalArgumentException("unknown shape: " + shape);
    };
  }

  private static Shape polygon(int n, double r, double unused, double phase) {
    Path2D.Double p = new Path2D.Double();
    for (int i = 0; i < n; i++) {
      double a = phase + 2 * Math.PI * i / n;
      if (i == 0) p.moveTo(r * Math.cos(a), r * Math.sin(a));
      else p.lineTo(r * Math.cos(a), r * Math.sin(a));
    }
    p.closePath();
    return p;
  }

  private static Shape star(int points, double outer, double inner) {
    Path2D.Double p = new Path2D.Double();
    for (int i = 0; i < 2 * points; i++) {
      double r = i % 2 == 0 ? outer : inner;
      double a = -Math.PI / 2 + Math.PI * i / points;
      if (i == 0) p.moveTo(r * Math.cos(a), r * Math.sin(a));
      else p.lineTo(r * Math.cos(a), r * Math.sin(a));
    }
    p.closePath();
    return p;
  }
}
