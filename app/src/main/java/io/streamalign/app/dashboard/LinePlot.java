package io.streamalign.app.dashboard;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** A small headless line chart written as PNG with Java2D, for the run report. */
final class LinePlot {

  private static final Color[] COLORS = {
    new Color(0x1e88e5),
    new Color(0xfb8c00),
    new Color(0x43a047),
    new Color(0x8e24aa),
    new Color(0xe53935),
    new Color(0x00acc1),
    new Color(0x7cb342)
  };

  private final String title;
  private final String xLabel;
  private final Map<String, List<double[]>> series = new LinkedHashMap<>();

  LinePlot(String title, String xLabel) {
    this.title = title;
    this.xLabel = xLabel;
  }

  LinePlot add(String name, List<double[]> points) {
    series.put(name, points);
    return this;
  }

  void write(Path file) throws IOException {
    int w = 900;
    int h = 420;
    int left = 70;
    int right = 170;
    int top = 40;
    int bottom = 50;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    double x0 = Double.POSITIVE_INFINITY,
        x1 = Double.NEGATIVE_INFINITY,
        y0 = 0,
        y1 = Double.NEGATIVE_INFINITY;
    for (List<double[]> s : series.values()) {
      for (double[] p : s) {
        if (!Double.isFinite(p[0]) || !Double.isFinite(p[1])) continue;
        x0 = Math.min(x0, p[0]);
        x1 = Math.max(x1, p[0]);
        y0 = Math.min(y0, p[1]);
        y1 = Math.max(y1, p[1]);
      }
    }
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, left, 24);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    if (!Double.isFinite(x0)) {
      g.drawString("no data", left, h / 2);
    } else {
      if (x1 == x0) x1 = x0 + 1;
      if (y1 <= y0) y1 = y0 + 1;
      int pw = w - left - right;
      int ph = h - top - bottom;
      g.setColor(new Color(0xdddddd));
      for (int k = 0; k <= 5; k++) {
        int y = top + ph - k * ph / 5;
        g.drawLine(left, y, left + pw, y);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%.3g", y0 + (y1 - y0) * k / 5), 8, y + 4);
        g.setColor(new Color(0xdddddd));
      }
      g.setColor(Color.DARK_GRAY);
      g.drawRect(left, top, pw, ph);
      g.drawString(String.format(Locale.ROOT, "%.4g", x0), left, top + ph + 16);
      String xe = String.format(Locale.ROOT, "%.4g", x1);
      g.drawString(xe, left + pw - g.getFontMetrics().stringWidth(xe), top + ph + 16);
      g.drawString(
          xLabel, left + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, top + ph + 34);
      int i = 0;
      for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
        Color c = COLORS[i % COLORS.length];
        g.setColor(c);
        g.setStroke(new BasicStroke(2f));
        int px = -1, py = -1;
        for (double[] p : e.getValue()) {
          if (!Double.isFinite(p[0]) || !Double.isFinite(p[1])) continue;
          int x = left + (int) Math.round((p[0] - x0) / (x1 - x0) * pw);
          int y = top + ph - (int) Math.round((p[1] - y0) / (y1 - y0) * ph);
          if (px >= 0) g.drawLine(px, py, x, y);
          px = x;
          py = y;
        }
        g.fillRect(left + pw + 14, top + 10 + i * 20, 12, 12);
        g.setColor(Color.BLACK);
        g.drawString(e.getKey(), left + pw + 32, top + 21 + i * 20);
        i++;
      }
    }
    g.dispose();
    ImageIO.write(img, "png", file.toFile());
  }
}
