package io.streamalign.eval;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * Looks evaluation protocols up by name and runs them; the entry point behind {@code streamalign
 * eval PROTOCOL --data-dir DIR [--full] [--seeds N] [--out DIR]}.
 */
public final class EvalRunner {

  private static final Map<String, Supplier<Protocol>> PROTOCOLS = new LinkedHashMap<>();

  // The protocols are listed in META-INF/services/io.streamalign.eval.Protocol (in that order), so
  // this
  // package does not depend on the protocol packages that depend on it (ModuleRulesTest: no
  // cycles).
  static {
    for (ServiceLoader.Provider<Protocol> provider :
        ServiceLoader.load(Protocol.class).stream().toList()) {
      PROTOCOLS.putIfAbsent(provider.get().name(), provider::get);
    }
  }

  private EvalRunner() {}

  /** The names of the known protocols, in a stable order. */
  public static List<String> names() {
    return List.copyOf(PROTOCOLS.keySet());
  }

  /** A fresh instance of the named protocol. */
  public static Protocol protocol(String name) {
    Supplier<Protocol> f = PROTOCOLS.get(name);
    if (f == null) {
      throw new IllegalArgumentException("unknown eval protocol '" + name + "'; known: " + names());
    }
    return f.get();
  }

  /**
   * A bare command line for running a protocol without the {@code streamalign} launcher: {@code
   * PROTOCOL [--data-dir DIR] [--full] [--seeds N] [--out DIR]}; prints the table.
   */
  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println(
          "usage: EvalRunner PROTOCOL [--data-dir DIR] [--full] [--seeds N] [--out DIR]; protocols: "
              + names());
      System.exit(2);
    }
    java.nio.file.Path data = null;
    java.nio.file.Path out = java.nio.file.Path.of("eval-out");
    boolean full = false;
    int seeds = 1;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--data-dir" -> data = java.nio.file.Path.of(args[++i]);
        case "--full" -> full = true;
        case "--seeds" -> seeds = Integer.parseInt(args[++i]);
        case "--out" -> out = java.nio.file.Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println(run(args[0], new EvalOptions(data, full, seeds, out)).table());
  }

  /**
   * Runs the named protocol and returns its result (whose {@code table()} is the text to print).
   */
  public static EvalResult run(String name, EvalOptions opts) throws IOException {
    return protocol(name).run(opts);
  }
}
