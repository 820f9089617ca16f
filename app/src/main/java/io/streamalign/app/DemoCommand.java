package io.streamalign.app;

import picocli.CommandLine.Command;

/** The {@code streamalign demo} command. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the whole pipeline on one machine: embedded broker (unless --bootstrap-servers is given), producers replaying the recorded digit data, pairing, online training, serving and a live view of predictions.")
final class DemoCommand extends NotWiredCommand {
    @Override
    String module() {
        return "app";
    }
}
