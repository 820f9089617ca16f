package io.streamalign.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code streamalign chaos fuzz}: malformed and mutated input against the running services. */
@Command(name = "fuzz", mixinStandardHelpOptions = true, description = "Input fuzzer (in progress).")
final class ChaosFuzzCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--records", defaultValue = "1000")
    int records;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("streamalign chaos fuzz: not built yet");
        return 2;
    }
}
