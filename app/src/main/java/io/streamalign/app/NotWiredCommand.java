package io.streamalign.app;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * Base of the subcommands whose service is built in another module and not yet wired into the
 * command line: they accept the common Kafka options, say so plainly and exit with
 * {@link #EXIT_NOT_WIRED}, so a script can never mistake them for having run.
 */
abstract class NotWiredCommand implements Callable<Integer> {

    /** Exit code of a command whose service is not wired in this build. */
    static final int EXIT_NOT_WIRED = 2;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** The module that provides the service, for the message. */
    abstract String module();

    @Override
    public Integer call() {
        spec.commandLine().getErr().printf(
                "streamalign %s: the %s service (module '%s') is not wired into this build of the command line yet.%n",
                spec.name(), spec.name(), module());
        spec.commandLine().getErr().flush();
        return EXIT_NOT_WIRED;
    }
}
