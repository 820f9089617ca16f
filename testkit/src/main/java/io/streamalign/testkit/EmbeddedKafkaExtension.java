package io.streamalign.testkit;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.Topics;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives integration tests a real embedded Kafka broker.
 *
 * <p>It lives in the {@code testkit} module, which other modules use at test scope only, so the
 * runnable jar carries no JUnit.
 *
 * <p>One {@link EmbeddedKafkaBroker} is started per test JVM, on first use, and kept in the root
 * {@link ExtensionContext.Store}, which stops it (and deletes its data) when the test run ends;
 * starting a KRaft broker costs seconds, so test classes share it. When it starts, every
 * StreamAlign topic with the default prefix ({@code av.}) is created with {@link
 * #DEFAULT_PARTITIONS} partitions.
 *
 * <p>Parameters it resolves, in test, lifecycle and constructor methods:
 *
 * <ul>
 *   <li>{@link EmbeddedKafkaBroker}: the shared broker;
 *   <li>{@link Topics}: a topic registry with a prefix unique to the test class ({@code
 *       it.<ClassName>.<n>.}), all of whose topics and dead-letter topics are already created, with
 *       {@link TopicPartitions} partitions (default 1). Prefer it to the shared {@code av.} topics:
 *       test classes then never read each other's records.
 * </ul>
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedKafkaExtension.class)
 * class PairingIT {
 *     @Test
 *     void pairs(EmbeddedKafkaBroker broker, Topics topics) { ... }
 * }
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements ParameterResolver {

  /** Partitions of the shared {@code av.} topics created when the broker starts. */
  public static final int DEFAULT_PARTITIONS = 2;

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);
  private static final String BROKER_KEY = "broker";
  private static final String TOPICS_KEY = "topics";
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == EmbeddedKafkaBroker.class || type == Topics.class;
  }

  @Override
  public Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    try {
      EmbeddedKafkaBroker broker = broker(extensionContext);
      if (type == EmbeddedKafkaBroker.class) {
        return broker;
      }
      return classTopics(extensionContext, broker);
    } catch (RuntimeException e) {
      throw new ParameterResolutionException(
          "cannot provide "
              + type.getSimpleName()
              + " from the embedded Kafka broker: "
              + e.getMessage(),
          e);
    }
  }

  /** The JVM-wide broker, started (and its default topics created) on first use. */
  public static EmbeddedKafkaBroker broker(ExtensionContext context) {
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    // The root store closes AutoCloseable values when the whole test run ends.
    return store.getOrComputeIfAbsent(
        BROKER_KEY,
        key -> {
          EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
          try {
            broker.createTopics(DEFAULT_PARTITIONS);
          } catch (RuntimeException e) {
            broker.close();
            throw e;
          }
          return broker;
        },
        EmbeddedKafkaBroker.class);
  }

  private static Topics classTopics(ExtensionContext context, EmbeddedKafkaBroker broker) {
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
      classContext = classContext.getParent().get();
    }
    Class<?> testClass = classContext.getRequiredTestClass();
    int partitions = partitions(testClass);
    return classContext
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            TOPICS_KEY,
            key -> {
              String name = testClass.getSimpleName().replaceAll("[^A-Za-z0-9_-]", "_");
              String prefix = "it." + name + "." + SEQUENCE.incrementAndGet() + ".";
              Topics topics = Topics.withPrefix(prefix.toLowerCase(Locale.ROOT));
              broker.createTopics(topics, partitions);
              return topics;
            },
            Topics.class);
  }

  private static int partitions(Class<?> testClass) {
    TopicPartitions annotation = testClass.getAnnotation(TopicPartitions.class);
    if (annotation == null) {
      return 1;
    }
    if (annotation.value() < 1) {
      throw new IllegalArgumentException("@TopicPartitions must be >= 1 on " + testClass.getName());
    }
    return annotation.value();
  }
}
