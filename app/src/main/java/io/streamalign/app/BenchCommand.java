package io.streamalign.app;

import picocli.CommandLine.Command;

/** The {@code streamalign bench} command. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures end-to-end throughput and latency through Kafka and writes the figures to a file.")
final class BenchCommand extends NotWiredCommand {
    @Override
    String module() {
        return "app";
    }
}
