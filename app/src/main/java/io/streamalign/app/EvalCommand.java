package io.streamalign.app;

import picocli.CommandLine.Command;

/** The {@code streamalign eval} command. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Runs an evaluation protocol (pmr-cgmnist, fewshot-image-to-audio, synthetic-linear, stream).")
final class EvalCommand extends NotWiredCommand {
    @Override
    String module() {
        return "eval";
    }
}
