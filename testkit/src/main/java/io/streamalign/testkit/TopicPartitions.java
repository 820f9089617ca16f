package io.streamalign.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How many partitions {@link EmbeddedKafkaExtension} gives each topic of the fresh, per-class
 * {@link io.streamalign.schemas.Topics} it injects into a test class (default 1).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface TopicPartitions {
  /** Partitions per topic, at least 1. */
  int value();
}
