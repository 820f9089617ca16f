package io.streamalign.bench;

import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Sample;
import io.streamalign.records.SampleRecords;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A broker, a {@link ServingService} serving a real {@link CrossModalLearner} snapshot, a producer
 * and a tail of the predictions topic: what the serving and swap scenarios share.
 */
final class ServingRig implements AutoCloseable {

  static final String MODEL = "bench-serving";

  final BenchKafka kafka;
  final BenchData data;
  final LearnerConfig cfg;
  final KafkaProducer<String, byte[]> producer;
  final ServingService service;
  final List<byte[]> inferRecords = new ArrayList<>();
  final List<String> inferStreams = new ArrayList<>();
  final byte[] snapshotA;
  final byte[] snapshotB;
  final CrossModalLearner learner;
  final ServingConfig servingConfig;

  /** Events sent to serving so far (benchmarks wait for serving to catch up with them). */
  final java.util.concurrent.atomic.AtomicLong servingSent =
      new java.util.concurrent.atomic.AtomicLong();

  private final Deserializer<Prediction> predictions;

  ServingRig(BenchOptions opts, int samples) throws Exception {
    this(opts, samples, Map.of(), null, null); // the service's defaults
  }

  /**
   * @param servingClient extra Kafka client settings of the serving service (experiments)
   */
  ServingRig(
      BenchOptions opts,
      int samples,
      Map<String, String> servingClient,
      Integer batchSize,
      Duration maxWait)
      throws Exception {
    this.data = BenchData.load(samples);
    this.cfg = LearnerConfig.defaults().with("device", opts.device());
    this.kafka = new BenchKafka(2);
    this.producer = kafka.producer();
    this.predictions = kafka.topics.predictions().valueSerde().deserializer();
    SampleRecords conv = new SampleRecords(cfg);
    List<Sample> train = data.samples().stream().map(conv::toSample).toList();
    learner = CrossModalLearner.create(cfg);
    learner.learn(train.subList(0, Math.min(32, train.size())));
    snapshotA = learner.snapshot(Map.of("bench", "a"));
    learner.learn(train.subList(Math.min(32, train.size()), Math.min(64, train.size())));
    snapshotB = learner.snapshot(Map.of("bench", "b"));
    var ser = kafka.topics.infer().valueSerde().serializer();
    for (PairedSample s : data.samples()) {
      PairedSample unlabeled =
          PairedSample.newBuilder(s).setLabel(null).setLabeledModalities(List.of()).build();
      inferRecords.add(ser.serialize(kafka.topics.infer().name(), unlabeled));
      inferStreams.add(s.getStreamId());
    }
    publish(1, snapshotA);
    ServingConfig.Builder sb =
        ServingConfig.builder(kafka.settings(servingClient))
            .setModelName(MODEL)
            .optHttpPort(0)
            .optApplicationId("bench-serving");
    if (batchSize != null) sb.optBatchSize(batchSize);
    if (maxWait != null) sb.optBatchMaxWait(maxWait);
    ServingConfig sc = sb.build();
    this.servingConfig = sc;
    service = ServingService.withCrossModalLearner(sc);
    service.start();
    if (!service.awaitModel(Duration.ofSeconds(120)))
      throw new IllegalStateException("serving never loaded v1");
    service.awaitAssigned(Duration.ofSeconds(120));
  }

  /** Publishes snapshot bytes as {@code version}; returns the serialized record size. */
  int publish(long version, byte[] params) throws Exception {
    ModelSnapshot s = BenchKafka.snapshot(MODEL, version, learner, params, cfg);
    byte[] bytes =
        kafka
            .topics
            .snapshots()
            .valueSerde()
            .serializer()
            .serialize(kafka.topics.snapshots().name(), s);
    producer.send(new ProducerRecord<>(kafka.topics.snapshots().name(), MODEL, bytes)).get();
    return bytes.length;
  }

  /** The serialized ModelSnapshot record of {@code params} as {@code version}. */
  byte[] snapshotRecord(long version, byte[] params) {
    ModelSnapshot s = BenchKafka.snapshot(MODEL, version, learner, params, cfg);
    return kafka
        .topics
        .snapshots()
        .valueSerde()
        .serializer()
        .serialize(kafka.topics.snapshots().name(), s);
  }

  /** A tail of committed predictions. */
  BenchKafka.Tail tailPredictions(BiConsumer<Prediction, Long> onPrediction) {
    return kafka.tail(
        kafka.topics.predictions().name(),
        true,
        (r, now) -> onPrediction.accept(predictions.deserialize(r.topic(), r.value()), now));
  }

  /**
   * Sends {@code count} records at {@code rate}/s, open loop (each at its scheduled time, not after
   * the previous one's answer); {@code send(i)} sends record i. Returns the send time of each.
   */
  static long[] openLoop(double rate, int count, java.util.function.IntConsumer send) {
    long[] sent = new long[count];
    long t0 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long due = t0 + Math.round(i * 1e9 / rate);
      long wait = due - System.nanoTime();
      if (wait > 0) LockSupport.parkNanos(wait);
      sent[i] = System.nanoTime();
      send.accept(i);
    }
    return sent;
  }

  @Override
  public void close() {
    try {
      service.close();
    } finally {
      producer.close(Duration.ofSeconds(10));
      learner.close();
      kafka.close();
    }
  }
}
