package io.streamalign.app;

import java.io.PrintWriter;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code streamalign} command: entry point of the runnable jar.
 *
 * <p>Exit codes: 0 success, 1 runtime failure (e.g. the cluster is unreachable, a topic is
 * missing), 2 usage error or a service that is not wired into this build.
 */
@Command(
    name = "streamalign",
    mixinStandardHelpOptions = true,
    versionProvider = StreamAlignCli.Version.class,
    description = {
      "StreamAlign: online cross-modal learning from live audio-visual Kafka streams.",
      ""
    },
    subcommands = {
      DemoCommand.class,
      BrokerCommand.class,
      TopicsCommand.class,
      IngestCommand.class,
      PairCommand.class,
      TrainCommand.class,
      ServeCommand.class,
      EvalCommand.class,
      BenchCommand.class,
      ChaosCommand.class,
      TailCommand.class,
      DataCommand.class,
      CommandLine.HelpCommand.class
    })
public final class StreamAlignCli implements Runnable {

  @Spec CommandSpec spec;

  /** Without a subcommand: print the usage and fail, so a typo in a script is noticed. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line with standard output and error; returns the exit code. */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** Runs the command line writing to the given streams; returns the exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /** The configured picocli command line: runtime errors print one line, not a stack trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new StreamAlignCli());
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine
              .getErr()
              .println("streamalign " + commandLine.getCommandName() + ": " + describe(e));
          if (Boolean.getBoolean("streamalign.debug")) {
            e.printStackTrace(commandLine.getErr());
          }
          commandLine.getErr().flush();
          return 1;
        });
    return cl;
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.util.concurrent.CompletionException
            || (t instanceof KafkaException && t.getMessage() == null))
        && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? "" : t.getMessage();
    return t.getClass().getSimpleName()
        + (message.isEmpty() ? "" : ": " + message)
        + " (run with -Dstreamalign.debug=true for the stack trace)";
  }

  /** The version from the jar manifest ({@code Implementation-Version}). */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = StreamAlignCli.class.getPackage().getImplementationVersion();
      return new String[] {"streamalign " + (v == null ? "(development build)" : v)};
    }
  }
}
