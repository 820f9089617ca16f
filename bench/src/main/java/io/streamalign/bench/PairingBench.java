package io.streamalign.bench;

import io.streamalign.ingest.pairing.PairingApp;
import io.streamalign.ingest.pairing.PairingConfig;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.source.SourceOptions;
import io.streamalign.ingest.source.SourceProgress;
import io.streamalign.ingest.source.SyntheticOptions;
import io.streamalign.ingest.source.SyntheticSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Paired samples/s of {@link PairingApp} against a pass-through Kafka Streams application over the
 * same input records on the same broker, both exactly_once_v2 with the same Streams settings: the
 * cost of the joins and the featurization. Input: the synthetic camera+microphone source, unpaced.
 */
public final class PairingBench implements Scenario {

  static final String PASS_OUT = "bench.passthrough";

  @Override
  public String name() {
    return "pairing";
  }

  @Override
  public void run(BenchOptions opts, BenchReport report) throws Exception {
    int streams = opts.pick(2, 4);
    int perStream = opts.pick(150, 1000);
    Path stateDir = Files.createTempDirectory("bench-pairing");
    try (BenchKafka kafka = new BenchKafka(2)) {
      kafka.createTopic(PASS_OUT, 2);
      long moments;
      try (AvProducer producer = new AvProducer(kafka.broker.clientProperties(), kafka.topics);
          SyntheticSource src =
              new SyntheticSource(
                  producer,
                  SourceOptions.defaults("bench")
                      .withStreams(streams)
                      .withRate(0)
                      .withMaxMomentsPerStream(perStream)
                      .withStartTimeMs(System.currentTimeMillis() - 100L * perStream - 60_000),
                  SyntheticOptions.defaults())) {
        SourceProgress p = src.run();
        producer.flush();
        moments = p.moments();
      }
      List<String> inputs =
          List.of(
              kafka.topics.video().name(),
              kafka.topics.audio().name(),
              kafka.topics.text().name(),
              kafka.topics.labels().name());
      long inputRecords = endOffsets(kafka, inputs);
      Properties client = kafka.broker.clientProperties();
      client.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      client.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
      client.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

      // baseline: pass-through of the same records, same Streams settings, exactly_once_v2
      PairingConfig passCfg = PairingConfig.defaults().withApplicationId("bench-passthrough");
      StreamsBuilder b = new StreamsBuilder();
      b.stream(inputs, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
          .to(PASS_OUT, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
      Run pass =
          measure(
              kafka,
              PASS_OUT,
              inputRecords,
              opts,
              () -> {
                KafkaStreams ks =
                    new KafkaStreams(b.build(), PairingApp.streamsProperties(passCfg, client));
                return new Started() {
                  final CountDownLatch running = new CountDownLatch(1);

                  {
                    ks.setStateListener(
                        (now, before) -> {
                          if (now == KafkaStreams.State.RUNNING) running.countDown();
                        });
                    ks.start();
                  }

                  public boolean awaitRunning(Duration d) throws InterruptedException {
                    return running.await(d.toMillis(), TimeUnit.MILLISECONDS);
                  }

                  public void close() {
                    ks.close(Duration.ofSeconds(30));
                  }
                };
              });
      // the pairing application
      PairingConfig cfg = PairingConfig.defaults().withApplicationId("bench-pairing");
      Run pair =
          measure(
              kafka,
              kafka.topics.paired().name(),
              moments,
              opts,
              () -> {
                PairingApp app = new PairingApp(cfg, client, kafka.topics);
                app.start();
                return new Started() {
                  public boolean awaitRunning(Duration d) throws InterruptedException {
                    return app.awaitRunning(d);
                  }

                  public void close() {
                    app.close();
                  }
                };
              });
      double passMoments = pass.records * ((double) moments / inputRecords) / pass.seconds;
      double pairRate = pair.records / pair.seconds;
      report.note(
          "input: synthetic source, "
              + streams
              + " streams x "
              + perStream
              + " moments = "
              + moments
              + " moments in "
              + inputRecords
              + " records (video, audio, captions, labels), unpaced, event time 100 ms per moment");
      report.note(
          "pass-through copied "
              + pass.records
              + "/"
              + inputRecords
              + " records; pairing emitted "
              + pair.records
              + " paired samples (moments whose join windows close before the input ends are the rest)");
      report.note(
          "rates count from RUNNING to the last output record; commit interval 100 ms for both, the same "
              + "Streams settings (PairingApp.streamsProperties: exactly_once_v2, one stream thread, lz4, producer "
              + "batch.size "
              + PairingApp.BATCH_SIZE_BYTES / 1024
              + " KiB); pairing also decodes, validates and "
              + "featurizes every record (log-mel of each audio chunk), repartitions the four inputs by stream, "
              + "keeps the moment, dedupe and label stores with their changelogs, and writes av.paired and av.infer");
      report.add(
          Figure.ratioAtLeast(
              "pairing throughput (paired samples/s)",
              pairRate,
              "samples/s",
              "pass-through moments/s",
              passMoments,
              0.8));
      report.add(
          Figure.of(
              "pass-through throughput",
              pass.records / pass.seconds,
              "records/s",
              "pairing input records/s",
              pair.records * ((double) inputRecords / moments) / pair.seconds));
    } finally {
      deleteTree(stateDir);
    }
  }

  interface Started extends AutoCloseable {
    boolean awaitRunning(Duration d) throws InterruptedException;

    @Override
    void close();
  }

  record Run(long records, double seconds) {}

  interface Starter {
    Started start() throws Exception;
  }

  static Run measure(
      BenchKafka kafka, String out, long expected, BenchOptions opts, Starter starter)
      throws Exception {
    AtomicLong count = new AtomicLong();
    AtomicLong lastAt = new AtomicLong();
    try (BenchKafka.Tail tail =
        kafka.tail(
            out,
            true,
            (r, now) -> {
              count.incrementAndGet();
              lastAt.set(now);
            })) {
      tail.awaitAssigned(Duration.ofSeconds(60));
      try (Started app = starter.start()) {
        if (!app.awaitRunning(Duration.ofSeconds(120)))
          throw new IllegalStateException(out + ": app never RUNNING");
        long t0 = System.nanoTime();
        long deadline = t0 + Duration.ofMinutes(opts.pick(2, 10)).toNanos();
        long quiet = 5_000_000_000L;
        while (count.get() < expected && System.nanoTime() < deadline) {
          Thread.sleep(50);
          long last = lastAt.get();
          if (count.get() > 0 && System.nanoTime() - last > quiet) break;
        }
        if (count.get() == 0) throw new IllegalStateException(out + ": no output");
        return new Run(count.get(), (lastAt.get() - t0) / 1e9);
      }
    }
  }

  static long endOffsets(BenchKafka kafka, List<String> topics) {
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            kafka.broker.clientProperties(),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      long sum = 0;
      for (String t : topics) {
        List<TopicPartition> parts =
            c.partitionsFor(t).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
        sum += c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
      }
      return sum;
    }
  }

  static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception ignored) {
      // temp dir; best effort
    }
  }
}
