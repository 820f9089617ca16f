package io.streamalign.app;

import picocli.CommandLine.Command;

/** The {@code streamalign train} command. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Runs the online trainer: consumes paired samples, learns, and publishes model snapshots transactionally.")
final class TrainCommand extends NotWiredCommand {
    @Override
    String module() {
        return "trainer";
    }
}
