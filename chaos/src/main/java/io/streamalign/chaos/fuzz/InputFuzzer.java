package io.streamalign.chaos.fuzz;

import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces the fuzz input: good moments (frame + audio + caption + label of one seq and event time)
 * on a few "good" streams, interleaved with bad records of every {@link Mutation}, and remembers
 * where each record landed (topic, partition, offset) so the verdict can find its dead letter.
 *
 * <p>Halfway through, one good stream's producer restarts: a new producer (new producer id) whose
 * sequence numbers start at 0 again, with later event times. Its moments are good and must be
 * learned, not mistaken for duplicates (issue: restarted sequences).
 */
final class InputFuzzer implements AutoCloseable {

  /** One produced record. {@code kind} null = part of a good moment. */
  record Sent(
      String topic, int partition, long offset, Mutation kind, String stream, long eventTimeMs) {}

  /**
   * One good moment: identified by stream and event time (unique per stream across producer
   * sessions).
   */
  record GoodMoment(String stream, long eventTimeMs, long seq, boolean restartedSession) {}

  private static final int GOOD_STREAMS = 4;
  private static final long STEP_MS = 100;
  private static final long YEAR_MS = 365L * 24 * 3600 * 1000;
  static final int OVERSIZED_BYTES = 10 * 1024 * 1024;

  private final Topics topics;
  private final Properties client;
  private final Random random;
  private final Moments moments;
  private KafkaProducer<byte[], byte[]> producer;
  private final List<Pending> pending = new ArrayList<>();
  private final List<GoodMoment> good = new ArrayList<>();
  private final long[] clock = new long[GOOD_STREAMS];
  // the latest event time of any good moment: a new moment is never older, so the good streams'
  // event
  // times stay together. With a clock per stream alone, streams sharing a partition drifted apart
  // by a
  // random walk (seconds in a 10,000-record run, when records go out faster than real time) and the
  // stream behind had its moments dead-lettered as late, more than the hold behind its partition's
  // stream time (docs/producing.md, "Timestamps"): good input from a producer that was not good.
  private long latest;
  private final long[] seq = new long[GOOD_STREAMS];
  private final byte[][] lastFrame = new byte[GOOD_STREAMS][];
  private final long[] lastFrameTime = new long[GOOD_STREAMS];
  private int records;
  private int failedSends;
  private int badIndex;

  private record Pending(
      Future<RecordMetadata> future, Mutation kind, String stream, long eventTimeMs) {}

  InputFuzzer(Properties client, Topics topics, long seed) {
    this.topics = topics;
    this.client = client;
    this.random = new Random(seed);
    this.moments = new Moments(random);
    this.producer = newProducer();
    long now = System.currentTimeMillis();
    for (int s = 0; s < GOOD_STREAMS; s++) clock[s] = now;
  }

  /**
   * A producer session id, as the project's AvProducer sends one per instance in the {@value
   * #SESSION_HEADER} header (docs/producing.md): a restarted producer is a new session.
   */
  private static String newSession() {
    StringBuilder b = new StringBuilder();
    java.security.SecureRandom r = new java.security.SecureRandom();
    for (int i = 0; i < 13; i++) b.append(Character.forDigit(r.nextInt(36), 36));
    return b.toString();
  }

  static final String SESSION_HEADER = "streamalign.session";
  private String session = newSession();

  private KafkaProducer<byte[], byte[]> newProducer() {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 * 1024 * 1024));
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024));
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "chaos-fuzz-" + System.nanoTime());
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static String goodStream(int s) {
    return "fuzz-good-" + s;
  }

  /** Records produced so far (good and bad). */
  int records() {
    return records;
  }

  List<GoodMoment> goodMoments() {
    return List.copyOf(good);
  }

  /** Sends that the broker refused (not in any topic, so not counted as records). */
  int failedSends() {
    return failedSends;
  }

  /** One good moment on stream {@code s}: label, frame, audio, caption (4 records). */
  void goodMoment(int s, boolean restarted) {
    String stream = goodStream(s);
    clock[s] =
        Math.max(
            Math.max(clock[s] + STEP_MS, latest + STEP_MS / GOOD_STREAMS),
            System.currentTimeMillis());
    long t = clock[s];
    latest = t;
    long q = seq[s]++;
    int cls = (int) Math.floorMod(q * 7 + s, Moments.CLASSES.length);
    send(
        topics.labels().name(),
        stream,
        Moments.LABEL.encode(moments.label(stream, t, cls)),
        t,
        null,
        stream,
        t);
    byte[] frame = Moments.VIDEO.encode(moments.frame(stream, q, t, cls));
    lastFrame[s] = frame;
    lastFrameTime[s] = t;
    send(topics.video().name(), stream, frame, t, null, stream, t);
    send(
        topics.audio().name(),
        stream,
        Moments.AUDIO.encode(moments.audio(stream, q, t, cls)),
        t,
        null,
        stream,
        t);
    send(
        topics.text().name(),
        stream,
        Moments.TEXT.encode(moments.text(stream, q, t, cls)),
        t,
        null,
        stream,
        t);
    good.add(new GoodMoment(stream, t, q, restarted));
  }

  /** A producer restart on stream {@code s}: a new producer, sequence numbers from 0 again. */
  void restartProducer(int s) {
    producer.flush();
    collect();
    producer.close(Duration.ofSeconds(30));
    producer = newProducer();
    session = newSession();
    seq[s] = 0;
  }

  /** One bad record (or two, for kinds that need a frame and its audio) of the given kind. */
  void bad(Mutation kind, PairedSample template) {
    int i = badIndex++;
    int s = random.nextInt(GOOD_STREAMS);
    String gs = goodStream(s);
    String badKey = "fuzz-bad-" + i;
    long now = System.currentTimeMillis();
    long between = clock[s] + 37; // between two good moments of the stream
    switch (kind) {
      case BIT_FLIP, TRUNCATED, WRONG_FINGERPRINT, GARBAGE, EMPTY_VALUE -> {
        int which = random.nextInt(4);
        String topic;
        byte[] valid;
        AvroSerde<?> serde;
        switch (which) {
          case 0 -> {
            topic = topics.video().name();
            serde = Moments.VIDEO;
            valid = Moments.VIDEO.encode(moments.frame(badKey, i, now, 0));
          }
          case 1 -> {
            topic = topics.audio().name();
            serde = Moments.AUDIO;
            valid = Moments.AUDIO.encode(moments.audio(badKey, i, now, 0));
          }
          case 2 -> {
            topic = topics.text().name();
            serde = Moments.TEXT;
            valid = Moments.TEXT.encode(moments.text(badKey, i, now, 0));
          }
          default -> {
            topic = topics.labels().name();
            serde = Moments.LABEL;
            valid = Moments.LABEL.encode(moments.label(badKey, now, 0));
          }
        }
        byte[] value = undecodable(serde, () -> mutate(kind, valid));
        send(topic, badKey, value, now, kind, badKey, now);
      }
      case OVERSIZED -> {
        var f = moments.frame(badKey, i, now, 0);
        byte[] big =
            new byte[OVERSIZED_BYTES]; // compressible, as a camera's raw frame is: it passes the
        for (int k = 0; k < big.length; k++)
          big[k] = (byte) (k % 251); // broker's size limit compressed
        f.setData(ByteBuffer.wrap(big)); // declared 28x28x1: a shape the data does not have
        send(topics.video().name(), badKey, Moments.VIDEO.encode(f), now, kind, badKey, now);
      }
      case KEY_MISMATCH ->
          send(
              topics.video().name(),
              "fuzz-other-" + i,
              Moments.VIDEO.encode(moments.frame(gs, 40_000_000L + i, between, 1)),
              between,
              kind,
              gs,
              between);
      case NAN_FEATURES -> {
        PairedSample p =
            PairedSample.newBuilder(template)
                .setSampleId("fuzz-nan-" + i)
                .setStreamId("fuzz-nan-" + i)
                .setEventTimeMs(now)
                .build();
        FeatureTensor v = p.getVideo() != null ? p.getVideo() : p.getAudio();
        float[] x = floats(v);
        x[random.nextInt(x.length)] =
            switch (i % 3) {
              case 0 -> Float.NaN;
              case 1 -> Float.POSITIVE_INFINITY;
              default -> Float.NEGATIVE_INFINITY;
            };
        FeatureTensor poisoned = FeatureTensor.newBuilder(v).setData(bytes(x)).build();
        if (p.getVideo() != null) p.setVideo(poisoned);
        else p.setAudio(poisoned);
        AvroSerde<PairedSample> serde = AvroSerde.of(PairedSample.class);
        String topic = i % 2 == 0 ? topics.paired().name() : topics.infer().name();
        send(topic, p.getStreamId(), serde.encode(p), now, kind, p.getStreamId(), now);
      }
      case NEGATIVE_SEQ -> pair(gs, -1L, between, now, kind);
      case HUGE_SEQ -> pair(gs, Long.MAX_VALUE - i, between + 4, now, kind);
      case FAR_FUTURE -> pair(gs, 10_000_000L + i, now + YEAR_MS, now, kind);
      case FAR_PAST -> pair(gs, 20_000_000L + i, clock[s] - YEAR_MS, now, kind);
      case EXACT_DUPLICATE -> {
        if (lastFrame[s] == null) goodMoment(s, false);
        send(topics.video().name(), gs, lastFrame[s], lastFrameTime[s], kind, gs, lastFrameTime[s]);
      }
      case MISSING_MODALITY -> {
        long t = clock[s] + 63;
        if (i % 2 == 0) {
          send(
              topics.video().name(),
              gs,
              Moments.VIDEO.encode(moments.frame(gs, 30_000_000L + i, t, 2)),
              t,
              kind,
              gs,
              t);
        } else {
          send(
              topics.audio().name(),
              gs,
              Moments.AUDIO.encode(moments.audio(gs, 30_000_000L + i, t, 2)),
              t,
              kind,
              gs,
              t);
        }
      }
      default -> throw new IllegalStateException("unknown mutation " + kind);
    }
  }

  /**
   * A frame and its audio with the given seq and event time (record timestamp: now, which the
   * broker accepts).
   */
  private void pair(String stream, long q, long eventTime, long now, Mutation kind) {
    send(
        topics.video().name(),
        stream,
        Moments.VIDEO.encode(moments.frame(stream, q, eventTime, 3)),
        now,
        kind,
        stream,
        eventTime);
    send(
        topics.audio().name(),
        stream,
        Moments.AUDIO.encode(moments.audio(stream, q, eventTime, 3)),
        now,
        kind,
        stream,
        eventTime);
  }

  /**
   * The raw mutation of a valid encoding (it may, rarely, still decode: see {@link #undecodable}).
   */
  byte[] mutate(Mutation kind, byte[] valid) {
    byte[] v = valid.clone();
    switch (kind) {
      case BIT_FLIP -> {
        int flips = 1 + random.nextInt(8);
        // flips land in the header or the first bytes of the body (lengths, strings), where they
        // break decoding
        int span = Math.min(v.length, AvroSerde.HEADER_LENGTH + 24);
        for (int k = 0; k < flips; k++) {
          int at = random.nextInt(span);
          v[at] ^= (byte) (1 << random.nextInt(8));
        }
        return v;
      }
      case TRUNCATED -> {
        return java.util.Arrays.copyOf(v, 1 + random.nextInt(Math.max(1, v.length - 2)));
      }
      case WRONG_FINGERPRINT -> {
        ByteBuffer.wrap(v, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(random.nextLong());
        return v;
      }
      case GARBAGE -> {
        byte[] g = new byte[1 + random.nextInt(300)];
        random.nextBytes(g);
        return g;
      }
      case EMPTY_VALUE -> {
        return new byte[0];
      }
      default -> throw new IllegalArgumentException(kind.name());
    }
  }

  /**
   * A mutation that the topic's own decoder rejects (a mutation that still decodes is not bad
   * input).
   */
  static byte[] undecodable(AvroSerde<?> serde, Supplier<byte[]> mutation) {
    byte[] last = null;
    for (int attempt = 0; attempt < 100; attempt++) {
      last = mutation.get();
      try {
        serde.decode(last);
      } catch (RuntimeException e) {
        return last;
      }
    }
    byte[] v = last.clone();
    v[0] = 0; // not the single-object magic: never decodes
    return v;
  }

  private void send(
      String topic,
      String key,
      byte[] value,
      long timestamp,
      Mutation kind,
      String stream,
      long eventTime) {
    byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, timestamp, k, value);
    record.headers().add(SESSION_HEADER, session.getBytes(StandardCharsets.UTF_8));
    Future<RecordMetadata> f = producer.send(record);
    pending.add(new Pending(f, kind, stream, eventTime));
  }

  /** Waits for every send so far and returns where each record landed. */
  List<Sent> collect() {
    producer.flush();
    List<Sent> out = new ArrayList<>();
    for (Pending p : pending) {
      try {
        RecordMetadata md = p.future().get(60, TimeUnit.SECONDS);
        out.add(
            new Sent(
                md.topic(), md.partition(), md.offset(), p.kind(), p.stream(), p.eventTimeMs()));
        records++;
      } catch (ExecutionException | TimeoutException e) {
        failedSends++;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    pending.clear();
    collected.addAll(out);
    return out;
  }

  private final List<Sent> collected = new ArrayList<>();

  /** Every record produced so far, good and bad. */
  List<Sent> sent() {
    return List.copyOf(collected);
  }

  /** Records sent but not yet collected (they count towards the target once they land). */
  int inFlight() {
    return pending.size();
  }

  static float[] floats(FeatureTensor t) {
    ByteBuffer b = t.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] x = new float[b.remaining() / 4];
    for (int k = 0; k < x.length; k++) x[k] = b.getFloat();
    return x;
  }

  static ByteBuffer bytes(float[] x) {
    ByteBuffer b = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : x) b.putFloat(v);
    b.flip();
    return b;
  }

  Random random() {
    return random;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }
}
