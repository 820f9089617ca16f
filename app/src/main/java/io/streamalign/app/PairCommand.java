package io.streamalign.app;

import picocli.CommandLine.Command;

/** The {@code streamalign pair} command. */
@Command(name = "pair", mixinStandardHelpOptions = true,
        description = "Runs the Kafka Streams pairing and featurization application (video/audio/text/labels -> paired samples).")
final class PairCommand extends NotWiredCommand {
    @Override
    String module() {
        return "ingest";
    }
}
