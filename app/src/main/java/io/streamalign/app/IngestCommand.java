package io.streamalign.app;

import picocli.CommandLine.Command;

/** The {@code streamalign ingest} command. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Publishes video frames, audio chunks, text and labels to Kafka from recorded data or files.")
final class IngestCommand extends NotWiredCommand {
    @Override
    String module() {
        return "ingest";
    }
}
