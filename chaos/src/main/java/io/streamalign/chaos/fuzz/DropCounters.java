package io.streamalign.chaos.fuzz;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Drops the services count in their metrics: every counter whose name says "drop" on the trainer's
 * and serving's Prometheus {@code /metrics}, and in the pairing process (over JMX, loopback) every
 * Kafka Streams metric named {@code ...drop...-total} (Streams' own {@code dropped-records-total}
 * of every task, and the pairing topology's own sensors) plus any StreamAlign MBean attribute named
 * for drops. A drop that is counted nowhere is a silent drop.
 */
final class DropCounters {

  private final List<URI> prometheus;
  private final int pairJmxPort;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  DropCounters(List<URI> prometheus, int pairJmxPort) {
    this.prometheus = prometheus;
    this.pairJmxPort = pairJmxPort;
  }

  /** Every drop counter by name (service-qualified), read now. Unreachable sources are skipped. */
  Map<String, Double> read() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (URI uri : prometheus) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
          if (line.startsWith("#") || line.isBlank()) continue;
          int space = line.lastIndexOf(' ');
          if (space < 0) continue;
          String name = line.substring(0, space).trim();
          String metric = name.contains("{") ? name.substring(0, name.indexOf('{')) : name;
          if (!metric.toLowerCase(Locale.ROOT).contains("drop")) continue;
          try {
            double v = Double.parseDouble(line.substring(space + 1).trim());
            if (Double.isFinite(v)) out.merge(uri.getPort() + ":" + name, v, Double::sum);
          } catch (NumberFormatException e) {
            // not a sample line
          }
        }
      } catch (IOException e) {
        // service down: its counters are not readable now
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return out;
      }
    }
    if (pairJmxPort > 0) readJmx(out);
    return out;
  }

  private void readJmx(Map<String, Double> out) {
    try {
      JMXServiceURL url =
          new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + pairJmxPort + "/jmxrmi");
      try (JMXConnector c = JMXConnectorFactory.connect(url)) {
        MBeanServerConnection mbs = c.getMBeanServerConnection();
        // Streams' own dropped-records-total (task level) and any custom sensor's
        // "...drop...-total"
        Set<ObjectName> streams = mbs.queryNames(new ObjectName("kafka.streams:*"), null);
        for (ObjectName n : streams) {
          for (var a : mbs.getMBeanInfo(n).getAttributes()) {
            String name = a.getName().toLowerCase(Locale.ROOT);
            if (!name.contains("drop") || !name.endsWith("-total")) continue;
            Object v = mbs.getAttribute(n, a.getName());
            if (v instanceof Number num && Double.isFinite(num.doubleValue())) {
              out.merge(
                  "pair:" + n.getKeyProperty("type") + " " + a.getName(),
                  num.doubleValue(),
                  Double::sum);
            }
          }
        }
        for (ObjectName n : mbs.queryNames(null, null)) {
          if (!n.getDomain().toLowerCase(Locale.ROOT).contains("streamalign")) continue;
          for (var a : mbs.getMBeanInfo(n).getAttributes()) {
            if (!a.getName().toLowerCase(Locale.ROOT).contains("drop")
                && !n.toString().toLowerCase(Locale.ROOT).contains("drop")) continue;
            Object v = mbs.getAttribute(n, a.getName());
            if (v instanceof Number num && Double.isFinite(num.doubleValue())) {
              out.merge("pair:" + n + "." + a.getName(), num.doubleValue(), Double::sum);
            }
          }
        }
      }
    } catch (Exception e) {
      // pairing not reachable over JMX now
    }
  }

  /** The sum of every counter's increase between two readings. */
  static double delta(Map<String, Double> before, Map<String, Double> after) {
    double d = 0;
    for (double v : deltas(before, after).values()) d += v;
    return d;
  }

  /**
   * The sum of every counter's increase between two readings, less {@code alreadyExplained} of the
   * increase of the counters whose name contains {@code metric} (drops that also left a per-record
   * reason, such as a dead letter, explain nothing more), never below 0 for them.
   */
  static double delta(
      Map<String, Double> before, Map<String, Double> after, String metric, long alreadyExplained) {
    double other = 0;
    double named = 0;
    for (Map.Entry<String, Double> e : deltas(before, after).entrySet()) {
      if (e.getKey().contains(metric)) named += e.getValue();
      else other += e.getValue();
    }
    return other + Math.max(0, named - alreadyExplained);
  }

  /** Each counter's increase between two readings (0 when it did not grow). */
  static Map<String, Double> deltas(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : after.entrySet()) {
      out.put(e.getKey(), Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0)));
    }
    return out;
  }
}
