package io.streamalign.app;

import picocli.CommandLine.Command;

/** The {@code streamalign serve} command. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs a serving instance: hot-swaps model snapshots and publishes predictions for unlabeled samples.")
final class ServeCommand extends NotWiredCommand {
    @Override
    String module() {
        return "serving";
    }
}
