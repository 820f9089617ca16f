package io.streamalign.chaos.fuzz;

import io.streamalign.chaos.ChaosOptions;
import io.streamalign.chaos.Drain;
import io.streamalign.chaos.ServiceProcess;
import io.streamalign.chaos.Stack;
import io.streamalign.chaos.TopicAudit;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code streamalign chaos fuzz}: starts broker, pair, train and serve as processes (as the chaos
 * suite does), sends N records, good moments interleaved with bad records of every {@link
 * Mutation}, waits until every service has consumed everything, then checks from the topics and the
 * services' metrics that every bad record has a reason and every good moment was learned and
 * predicted once.
 *
 * <p>A bad record's reason is a dead letter on {@code <topic>.dlq} naming its topic, partition and
 * offset, or a drop counted in a service's metrics ({@link DropCounters}; counters are not per
 * record, so they explain at most their increase). A record that left a junk sample in {@code
 * av.paired}, a prediction whose score is not finite, or a thread that died fails the run as well.
 * The last line: {@code fuzz: records N, bad B, dead-lettered D, counted-drops C, unexplained U,
 * good-lost G}.
 */
public final class FuzzRun {

  /** The outcome. */
  public record Result(
      int records,
      int bad,
      int deadLettered,
      long countedDrops,
      long unexplained,
      int goodLost,
      int junkSamples,
      int nonFiniteScores,
      List<String> threadDeaths,
      String summary) {
    public boolean passed() {
      return unexplained == 0
          && goodLost == 0
          && junkSamples == 0
          && nonFiniteScores == 0
          && threadDeaths.isEmpty();
    }
  }

  private static final String PAIRING_GROUP = "streamalign-pairing";

  /**
   * Stage of pairing's dead letter for a duplicate part (docs/producing.md, "What happens to a
   * violation").
   */
  static final String DUPLICATE_STAGE = "pairing.duplicate";

  /** Pairing's Streams metric counting the same duplicates (docs/producing.md). */
  static final String DUPLICATE_METRIC = "duplicate-dropped-total";

  private static final String SERVING_GROUP = "streamalign-serving";
  private static final String MODEL = "streamalign";

  private final ChaosOptions options;
  private final int targetRecords;
  private final PrintWriter out;
  private final Topics topics = Topics.defaults();
  private int warmUp;

  public FuzzRun(ChaosOptions options, int records, PrintWriter out) {
    this.options = options;
    this.targetRecords = records;
    this.out = out;
  }

  public Result run() {
    try (Stack stack = new Stack(options)) {
      stack.startBroker();
      stack.startServices(false);
      Properties client = stack.clientProperties();
      DropCounters drops =
          new DropCounters(
              List.of(
                  URI.create("http://127.0.0.1:" + stack.trainMetricsPort() + "/metrics"),
                  URI.create("http://127.0.0.1:" + stack.servePort() + "/metrics")),
              stack.pairJmxPort());
      try (InputFuzzer fuzzer = new InputFuzzer(client, topics, options.seed());
          TopicAudit audit = new TopicAudit(client, topics, MODEL, SERVING_GROUP)) {
        // warm up: good moments until the pipeline has paired, learned and predicted
        long t0 = System.currentTimeMillis();
        PairedSample template = null;
        while (template == null) {
          for (int s = 0; s < 4; s++) fuzzer.goodMoment(s, false);
          fuzzer.collect();
          Stack.sleep(1000);
          template = firstPaired(client);
          if (System.currentTimeMillis() - t0 > 300_000) {
            throw new IllegalStateException(
                "nothing paired within 300 s; logs in "
                    + options.workDir().resolve("logs")
                    + "\n"
                    + String.join("\n", stack.threadDeaths()));
          }
        }
        awaitPrediction(audit, t0, stack);
        Map<String, Double> dropsBefore = drops.read();
        say(
            String.format(
                Locale.ROOT,
                "fuzz: services up and predicting after %.0f s; sending %d records",
                (System.currentTimeMillis() - t0) / 1000.0,
                targetRecords));

        Mutation[] kinds = Mutation.values();
        boolean restarted = false;
        int restartStream = 0;
        warmUp = fuzzer.records(); // the N records are sent after the warm-up's good moments
        while (fuzzer.records() + fuzzer.inFlight() - warmUp < targetRecords) {
          double r = fuzzer.random().nextDouble();
          if (!restarted && fuzzer.records() + fuzzer.inFlight() - warmUp >= targetRecords / 2) {
            fuzzer.restartProducer(restartStream);
            restarted = true;
          }
          if (r < 0.4) {
            int s = fuzzer.random().nextInt(4);
            fuzzer.goodMoment(s, restarted && s == restartStream);
          } else {
            fuzzer.bad(kinds[fuzzer.random().nextInt(kinds.length)], template);
          }
          if (fuzzer.inFlight() >= 200) {
            fuzzer.collect();
            Stack.sleep(100); // paced: event time stays near the wall clock
          }
        }
        fuzzer.collect();
        // keep time moving for a while so windows close, then wait until everything is consumed
        long end = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < end) {
          Stack.sleep(500);
        }
        boolean drained = Drain.await(client, topics, PAIRING_GROUP, audit, drainTimeout());
        Map<String, Double> dropsAfter = drops.read();
        return verdict(stack, client, fuzzer, audit, drained, dropsBefore, dropsAfter);
      }
    } finally {
      ServiceProcess.killAll();
    }
  }

  private Result verdict(
      Stack stack,
      Properties client,
      InputFuzzer fuzzer,
      TopicAudit audit,
      boolean drained,
      Map<String, Double> dropsBefore,
      Map<String, Double> counters) {
    List<InputFuzzer.Sent> sent = fuzzer.sent();
    // dead letters by source record
    Map<String, String> deadLetters = new HashMap<>();
    int[] duplicateLetters = {0};
    AvroSerde<DeadLetter> dlSerde = AvroSerde.of(DeadLetter.class);
    for (String t :
        List.of(
            topics.video().name(),
            topics.audio().name(),
            topics.text().name(),
            topics.labels().name(),
            topics.paired().name(),
            topics.infer().name())) {
      readAll(
          client,
          t + ".dlq",
          r -> {
            try {
              DeadLetter d = dlSerde.decode(r.value());
              deadLetters.put(
                  d.getOriginalTopic() + "/" + d.getPartition() + "/" + d.getOffset(),
                  d.getStage() + ": " + d.getErrorClass() + ": " + d.getErrorMessage());
              if (DUPLICATE_STAGE.equals(d.getStage())) duplicateLetters[0]++;
            } catch (RuntimeException e) {
              // an undecodable dead letter explains nothing
            }
          });
    }
    // pairing counts a duplicate part in duplicate-dropped-total AND dead-letters it
    // (docs/producing.md):
    // those drops are explained by their letters already and must not explain any other record
    // again
    double countedDrops =
        DropCounters.delta(dropsBefore, counters, DUPLICATE_METRIC, duplicateLetters[0]);
    // paired samples and predictions
    AvroSerde<PairedSample> ps = AvroSerde.of(PairedSample.class);
    Map<String, List<String>> pairedByMoment = new HashMap<>(); // stream@eventTime -> sample ids
    Map<String, Long> pairedOffset = new HashMap<>(); // sample id -> partition<<48|offset
    readAll(
        client,
        topics.paired().name(),
        r -> {
          PairedSample p = ps.decode(r.value());
          pairedByMoment
              .computeIfAbsent(p.getStreamId() + "@" + p.getEventTimeMs(), k -> new ArrayList<>())
              .add(p.getSampleId());
          pairedOffset.put(p.getSampleId(), ((long) r.partition() << 48) | r.offset());
        });
    AvroSerde<Prediction> pr = AvroSerde.of(Prediction.class);
    Map<String, Integer> predictions = new HashMap<>();
    int[] nonFinite = {0};
    readAll(
        client,
        topics.predictions().name(),
        r -> {
          Prediction p = pr.decode(r.value());
          predictions.merge(p.getSampleId(), 1, Integer::sum);
          if (!Double.isFinite(p.getScore())) nonFinite[0]++;
        });
    audit.refresh(Duration.ofSeconds(60));
    TopicAudit.Counts counts = audit.check(true);
    Map<Integer, Long> learnedUpTo = latestSnapshotOffsets(audit);

    // bad records: reason per record
    Map<Mutation, int[]> byKind = new EnumMap<>(Mutation.class); // bad, dead-lettered, accepted
    Map<Mutation, String> exampleReason = new EnumMap<>(Mutation.class);
    int bad = 0;
    int deadLettered = 0;
    int acceptedLegitimately = 0;
    List<String> noReasonExamples =
        new ArrayList<>(); // kind topic/partition/offset stream@eventTime
    Set<String> goodMomentKeys = new HashSet<>();
    for (InputFuzzer.GoodMoment g : fuzzer.goodMoments())
      goodMomentKeys.add(g.stream() + "@" + g.eventTimeMs());
    Set<String> legitimate = new HashSet<>(goodMomentKeys);
    for (InputFuzzer.Sent s : sent) {
      if (s.kind() == null) continue;
      bad++;
      int[] k = byKind.computeIfAbsent(s.kind(), x -> new int[3]);
      k[0]++;
      String reason = deadLetters.get(s.topic() + "/" + s.partition() + "/" + s.offset());
      if (reason != null) {
        deadLettered++;
        k[1]++;
        exampleReason.putIfAbsent(s.kind(), reason);
      } else if (s.kind() == Mutation.MISSING_MODALITY
          && pairedByMoment.containsKey(s.stream() + "@" + s.eventTimeMs())) {
        acceptedLegitimately++; // a single-modality sample: accepted by design (pair
        // --emit-unpaired)
        k[2]++;
        legitimate.add(s.stream() + "@" + s.eventTimeMs());
      } else if (noReasonExamples.size() < 10) {
        noReasonExamples.add(
            s.kind().label()
                + " "
                + s.topic()
                + "/"
                + s.partition()
                + "/"
                + s.offset()
                + " "
                + s.stream()
                + "@"
                + s.eventTimeMs());
      }
    }
    long withoutReason = bad - deadLettered - acceptedLegitimately;
    long unexplained = Math.max(0, withoutReason - (long) Math.floor(countedDrops));
    // junk: paired samples that are neither a good moment nor a legitimately accepted record
    // (the NaN/Inf samples the fuzzer itself wrote to av.paired are bad input, not pairing's
    // output: the
    // trainer's dead letter naming each is its reason, checked above like every bad record's)
    int junk = 0;
    List<String> junkExamples = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : pairedByMoment.entrySet()) {
      if (e.getKey().startsWith("fuzz-nan-")) continue;
      if (!legitimate.contains(e.getKey())) {
        junk += e.getValue().size();
        if (junkExamples.size() < 5) junkExamples.add(e.getKey() + " " + e.getValue());
      }
    }
    // good moments: paired once, learned (before the last snapshot's offsets), predicted once
    int notPaired = 0,
        pairedTwice = 0,
        notLearned = 0,
        notPredicted = 0,
        predictedTwice = 0,
        restartedLost = 0;
    int goodLost = 0;
    Map<String, Integer> notPairedWhy = new java.util.TreeMap<>();
    String notPairedExample = null;
    // every record of the first few good moments not paired, with its whole reason: what a failed
    // run needs to be explained without the services' logs
    List<String> notPairedDetail = new ArrayList<>();
    for (InputFuzzer.GoodMoment g : fuzzer.goodMoments()) {
      List<String> ids = pairedByMoment.getOrDefault(g.stream() + "@" + g.eventTimeMs(), List.of());
      boolean lost = false;
      if (ids.isEmpty()) {
        notPaired++;
        lost = true;
      } else {
        if (ids.size() > 1) {
          pairedTwice++;
          lost = true;
        }
        String id = ids.get(0);
        long po = pairedOffset.get(id);
        if (learnedUpTo.getOrDefault((int) (po >>> 48), 0L) <= (po & 0xFFFF_FFFF_FFFFL)) {
          notLearned++;
          lost = true;
        }
        int n = predictions.getOrDefault(id, 0);
        if (n == 0) {
          notPredicted++;
          lost = true;
        }
        if (n > 1) {
          predictedTwice++;
          lost = true;
        }
      }
      if (ids.isEmpty()) {
        // why: the dead letters of the moment's own records, if any (a good moment must not have
        // one)
        for (InputFuzzer.Sent r : sent) {
          if (r.kind() != null
              || !r.stream().equals(g.stream())
              || r.eventTimeMs() != g.eventTimeMs()) continue;
          String reason = deadLetters.get(r.topic() + "/" + r.partition() + "/" + r.offset());
          String why =
              reason == null
                  ? "no dead letter"
                  : reason.substring(0, Math.max(0, reason.indexOf(':')));
          notPairedWhy.merge(why, 1, Integer::sum);
          if (reason != null && notPairedExample == null) notPairedExample = reason;
          if (notPaired <= 3)
            notPairedDetail.add(
                r.topic()
                    + "/"
                    + r.partition()
                    + "/"
                    + r.offset()
                    + " "
                    + g.stream()
                    + "@"
                    + g.eventTimeMs()
                    + ": "
                    + (reason == null ? "no dead letter" : reason.replace('\n', ' ')));
        }
      }
      if (lost) goodLost++;
      if (lost && g.restartedSession()) restartedLost++;
    }
    List<String> deaths = new ArrayList<>(stack.threadDeaths());
    for (String d : stack.deadServices()) deaths.add(d);

    // report
    for (Mutation m : Mutation.values()) {
      int[] k = byKind.get(m);
      if (k == null) continue;
      say(
          String.format(
              Locale.ROOT,
              "fuzz: %-40s bad %5d, dead-lettered %5d, accepted as a sample %4d, no reason %5d%s",
              m.label(),
              k[0],
              k[1],
              k[2],
              k[0] - k[1] - k[2],
              exampleReason.containsKey(m)
                  ? " (e.g. " + abbreviate(exampleReason.get(m)) + ")"
                  : ""));
    }
    if (!noReasonExamples.isEmpty())
      say(
          "fuzz: bad records without a dead letter (kind topic/partition/offset stream@eventTime), e.g. "
              + String.join(", ", noReasonExamples));
    say(
        String.format(
            Locale.ROOT,
            "fuzz: counted drops without a dead letter %.0f %s; duplicate parts dead-lettered %d",
            countedDrops,
            nonZero(DropCounters.deltas(dropsBefore, counters)),
            duplicateLetters[0]));
    say(
        String.format(
            Locale.ROOT,
            "fuzz: good moments %d (%d after a producer restart): not paired %d, paired twice %d, "
                + "not learned %d, not predicted %d, predicted twice %d; restarted-session moments lost %d",
            fuzzer.goodMoments().size(),
            fuzzer.goodMoments().stream().filter(InputFuzzer.GoodMoment::restartedSession).count(),
            notPaired,
            pairedTwice,
            notLearned,
            notPredicted,
            predictedTwice,
            restartedLost));
    if (notPaired > 0)
      say(
          "fuzz: records of good moments not paired, by stage of their dead letter: "
              + notPairedWhy
              + (notPairedExample == null ? "" : " (e.g. " + abbreviate(notPairedExample) + ")"));
    for (String d : notPairedDetail) say("fuzz:   not paired: " + d);
    say(
        String.format(
            Locale.ROOT,
            "fuzz: junk samples from bad records %d, predictions with a non-finite score %d, "
                + "learned-twice %d, lost %d, predictions-missing %d, predictions-duplicated %d, refused sends %d%s",
            junk,
            nonFinite[0],
            counts.learnedTwice(),
            counts.lost(),
            counts.predictionsMissing(),
            counts.predictionsDuplicated(),
            fuzzer.failedSends(),
            drained ? "" : " (services NOT drained in " + drainTimeout().toSeconds() + " s)"));
    if (junk > 0)
      say(
          "fuzz: junk samples (stream@eventTime [sample ids]), e.g. "
              + String.join(", ", junkExamples));
    for (String d : deaths) say("fuzz: thread died: " + d.replace('\n', ' '));
    say(
        String.format(
            Locale.ROOT,
            "fuzz: before them, %d records (%d good moments) warmed the pipeline up; they are "
                + "checked as good moments too",
            warmUp,
            warmUp / 4));
    String summary =
        String.format(
            Locale.ROOT,
            "fuzz: records %d, bad %d, dead-lettered %d, counted-drops %d, unexplained %d, good-lost %d",
            fuzzer.records() - warmUp,
            bad,
            deadLettered,
            (long) Math.floor(countedDrops),
            unexplained,
            goodLost);
    say(summary);
    return new Result(
        fuzzer.records() - warmUp,
        bad,
        deadLettered,
        (long) Math.floor(countedDrops),
        unexplained,
        goodLost,
        junk,
        nonFinite[0],
        deaths,
        summary);
  }

  private static String nonZero(Map<String, Double> counters) {
    StringBuilder b = new StringBuilder();
    counters.forEach(
        (k, v) -> {
          if (v > 0)
            b.append(b.length() == 0 ? "(" : ", ")
                .append(k)
                .append('=')
                .append(String.format(Locale.ROOT, "%.0f", v));
        });
    return b.length() == 0 ? "(no drop counter above 0)" : b.append(')').toString();
  }

  private static String abbreviate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() > 110 ? one.substring(0, 107) + "..." : one;
  }

  private static Map<Integer, Long> latestSnapshotOffsets(TopicAudit audit) {
    TopicAudit.SnapshotView latest = null;
    for (TopicAudit.SnapshotView s : audit.snapshots())
      if (latest == null || s.version() >= latest.version()) latest = s;
    return latest == null ? Map.of() : latest.pairedOffsets();
  }

  private PairedSample firstPaired(Properties client) {
    PairedSample[] found = {null};
    AvroSerde<PairedSample> ps = AvroSerde.of(PairedSample.class);
    readAll(
        client,
        topics.paired().name(),
        r -> {
          if (found[0] == null) {
            PairedSample p = ps.decode(r.value());
            if (p.getVideo() != null && p.getAudio() != null) found[0] = p;
          }
        });
    return found[0];
  }

  private void awaitPrediction(TopicAudit audit, long since, Stack stack) {
    long deadline = System.currentTimeMillis() + 300_000;
    while (System.currentTimeMillis() < deadline) {
      if (audit.refresh(Duration.ofSeconds(10)) && audit.firstPredictionAfter(since) > 0) return;
      Stack.sleep(1000);
    }
    throw new IllegalStateException(
        "no prediction within 300 s; logs in "
            + options.workDir().resolve("logs")
            + "\n"
            + String.join("\n", stack.threadDeaths()));
  }

  /**
   * Waits until pairing has consumed every input record and the trainer and serving have caught up.
   */
  /**
   * Waits until pairing has consumed every partition it reads (its repartition topics included), no
   * new paired sample has appeared for longer than the sample gate's wall-clock release (a moment
   * still held there is emitted by then), and the trainer and serving have consumed every paired
   * sample and request.
   */
  /**
   * How long the services get to consume everything after the last record: 240 s, plus 40 ms per
   * record (the N records are sent faster than a loaded 2-core machine pairs, learns and predicts
   * them).
   */
  private Duration drainTimeout() {
    return Duration.ofSeconds(240 + targetRecords / 25);
  }

  /**
   * Every partition the pairing group has committed (inputs and its own repartition topics) is at
   * its end.
   */

  /** Reads a whole topic (read_committed) up to its last stable offset. */
  static void readAll(
      Properties client, String topic, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
        Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES + (1 << 20)));
    p.put(
        ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
        Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES + (1 << 20)));
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null) return;
      List<TopicPartition> tps =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
      long deadline = System.currentTimeMillis() + 120_000;
      while (System.currentTimeMillis() < deadline) {
        boolean behind = false;
        for (TopicPartition tp : tps)
          if (c.position(tp, Duration.ofSeconds(30)) < end.get(tp)) behind = true;
        if (!behind) return;
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
          if (r.value() != null) handler.accept(r);
        }
      }
    }
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }
}
