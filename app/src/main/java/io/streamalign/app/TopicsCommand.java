package io.streamalign.app;

import io.streamalign.schemas.Topic;
import io.streamalign.schemas.TopicAdmin;
import io.streamalign.schemas.Topics;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamalign topics --create | --list}: creates every StreamAlign topic (and its
 * dead-letter topic) with its configuration, or lists them with their partition counts. Creation is
 * idempotent: existing topics are left as they are.
 */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description =
        "Creates or lists the StreamAlign topics (with their dead-letter topics) on a cluster.")
final class TopicsCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  static final class Action {
    @Option(
        names = "--create",
        required = true,
        description = "Create every topic that does not exist yet.")
    boolean create;

    @Option(
        names = "--list",
        required = true,
        description = "List the topics, their partitions and value types.")
    boolean list;
  }

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "3",
      description = "Partitions per new topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--replication-factor",
      paramLabel = "R",
      defaultValue = "1",
      description =
          "Replication factor of new topics (default: ${DEFAULT-VALUE}; use 3 on a production cluster).")
  short replicationFactor;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (partitions < 1 || replicationFactor < 1) {
      err.println("streamalign topics: --partitions and --replication-factor must be >= 1");
      err.flush();
      return 2;
    }
    Topics topics = kafka.topics();
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      if (action.create) {
        TopicAdmin.createAll(admin, topics, partitions, replicationFactor);
      }
      return list(admin, topics, out, err);
    }
  }

  /** Prints one line per registered topic; returns 1 if any is missing. */
  private int list(Admin admin, Topics topics, PrintWriter out, PrintWriter err) throws Exception {
    List<String> names = new ArrayList<>();
    Map<String, String> types = new java.util.LinkedHashMap<>();
    for (Topic<?, ?> topic : topics.all()) {
      names.add(topic.name());
      types.put(topic.name(), valueType(topic));
      names.add(topic.dlq());
      types.put(topic.dlq(), "DeadLetter");
    }
    Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
    List<String> present = names.stream().filter(existing::contains).toList();
    Map<String, TopicDescription> descriptions =
        present.isEmpty()
            ? Map.of()
            : admin.describeTopics(present).allTopicNames().get(60, TimeUnit.SECONDS);
    int missing = 0;
    for (String name : names) {
      TopicDescription d = descriptions.get(name);
      if (d == null) {
        missing++;
        out.printf("%-32s MISSING%n", name);
      } else {
        out.printf(
            "%-32s partitions=%-3d replicas=%-2d %s%n",
            name, d.partitions().size(), d.partitions().get(0).replicas().size(), types.get(name));
      }
    }
    out.flush();
    if (missing > 0) {
      err.println(missing + " topic(s) missing; run 'streamalign topics --create'.");
      err.flush();
      return 1;
    }
    return 0;
  }

  private static String valueType(Topic<?, ?> topic) {
    Object serde = topic.valueSerde();
    if (serde instanceof io.streamalign.schemas.AvroSerde<?> avro) {
      return avro.type().getSimpleName();
    }
    return serde.getClass().getSimpleName();
  }
}
