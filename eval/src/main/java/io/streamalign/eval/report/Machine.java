package io.streamalign.eval.report;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine and date a report was made on (cores, {@code os.name}, Java version). */
public record Machine(
    int cores, String osName, String osArch, String javaVersion, String javaVm, String dateUtc) {

  /** This JVM's machine, now. */
  public static Machine current() {
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
  }

  /** One Markdown line. */
  public String markdown() {
    return "Machine: "
        + cores
        + " cores, "
        + osName
        + " ("
        + osArch
        + "), Java "
        + javaVersion
        + " ("
        + javaVm
        + "); date "
        + dateUtc
        + ".";
  }

  /** For the JSON report. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", cores);
    m.put("os.name", osName);
    m.put("os.arch", osArch);
    m.put("java.version", javaVersion);
    m.put("java.vm.name", javaVm);
    m.put("date", dateUtc);
    return m;
  }
}
