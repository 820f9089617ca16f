package io.streamalign.ingest.pairing;

import io.streamalign.features.FeatureException;
import io.streamalign.features.VideoFeatureConfig;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The pairing topology: decodes, validates and featurizes the raw streams, assembles the moments of
 * each stream, attaches labels, and publishes paired samples. Every input record ends as part of a
 * sample or as a dead letter with its reason (the rules are listed in docs/producing.md).
 *
 * <p>Reads (key = streamId as UTF-8, value = Avro single-object bytes, read as raw bytes so that no
 * input can fail deserialization inside Streams): {@code av.video} ({@code VideoFrame}), {@code
 * av.audio} ({@code AudioChunk}), {@code av.text} ({@code TextSegment}), {@code av.labels} ({@code
 * LabelEvent}). Writes: {@code av.paired} (streamId, {@code PairedSample}) with every sample;
 * {@code av.infer} (streamId, {@code PairedSample}) with the unlabeled ones (if configured); {@code
 * <input>.dlq} (original key bytes, {@code DeadLetter}, with headers naming the source record and
 * the reason) with every input record that was not used: stage {@code pairing.decode} (not Avro of
 * the topic's type), {@code pairing.validate} (oversized value or headers, bad session header, key
 * differs from streamId, negative event time or one too far in the future, negative or absurd seq,
 * bad frame size or channels, unsupported encoding, bad sample rate, too short or long or truncated
 * audio, empty or too long text, empty or too long class name, empty label range), {@code
 * pairing.featurize} (undecodable image, non-finite, out-of-range or wrongly sized features),
 * {@code pairing.unpaired} (a frame or chunk whose partner never came, or came further than the
 * join window away; a caption whose moment never paired) and {@code pairing.late} (a part behind
 * its own stream's latest event time of its modality by more than the hold, or behind its
 * partition's newest by the dedupe retention, or after its moment was emitted; a label older than
 * the label history).
 *
 * <p>Pairing rules, in event time (each record's timestamp is set to its {@code eventTimeMs};
 * labels to {@code startTimeMs}; a Kafka timestamp more than the future skew ahead of the wall
 * clock is not used as stream time, see {@link GuardedTimestampExtractor}):
 *
 * <ul>
 *   <li>A moment is identified by {@code streamId}, {@code seq} and the producer session (header
 *       {@code streamalign.session}, if any). Its frame, chunk and caption meet in the {@link
 *       SampleGate}, whatever their order; a frame and chunk pair only if their event times are at
 *       most {@code joinWindow} apart.
 *   <li>Sample id: {@code streamId#seq}, or {@code streamId#seq/session} with a session; the
 *       sample's event time is the frame's.
 *   <li>A moment with frame, chunk and caption is emitted at once; with frame and chunk only, once
 *       its own stream has moved past its event time + 2 x window + grace (per modality, {@link
 *       SampleGate}), or once held for the wall-clock idle bound.
 *   <li>Exact duplicates yield one sample per id, remembered for {@code dedupeRetention}.
 *   <li>Labels: a versioned table of the latest {@link LabelEvent} per stream; a sample takes the
 *       label valid at its timestamp, and is labeled when {@code startTimeMs <= eventTimeMs <
 *       endTimeMs} (end exclusive, as in the schema). A sample whose time a label already received
 *       covers goes at once; any other waits up to {@code labelGrace} of stream time for a label
 *       that arrives after it ({@link LabelWait}). The labeled modalities are the label's modality
 *       (if present in the sample) or every modality present. The label table and the moments are
 *       keyed by streamId in the same task, so the join is a lookup in its store: no repartition
 *       topic between the sample gate and {@code av.paired}.
 * </ul>
 *
 * <p>Partitioning: the joins never rely on how a producer partitioned the input topics. Every
 * decoded input (video, audio, text and labels) is re-keyed by its streamId and repartitioned with
 * Kafka's default partitioner through an internal topic ({@code
 * <applicationId>-<input>-by-stream-repartition}) before any join, so records of one stream meet in
 * one task whatever client produced them: a Java client (murmur2), librdkafka's default (CRC32 of
 * the key), random partitioning, or topics with different partition counts (docs/producing.md,
 * "Keys and partitions"). Dead letters are still written by the decoding step, with the original
 * topic, partition and offset.
 */
public final class PairingTopology {

  public static final String DEDUPE_STORE = "pairing-dedupe";
  public static final String LABEL_STORE = "pairing-labels";
  public static final String PENDING_STORE = "pairing-pending";
  public static final String JOIN_TIME_STORE = "pairing-join-time";

  /** Moments waiting for a label that may come after them (LabelWait), ordered by event time. */
  public static final String LABEL_WAIT_STORE = "pairing-label-wait";

  /**
   * Scope of pairing's own Kafka Streams metrics (group {@code
   * stream-streamalign-pairing-metrics}).
   */
  public static final String METRICS_SCOPE = "streamalign-pairing";

  /**
   * Exact duplicates dropped by design: metrics {@code duplicate-dropped-total} and {@code -rate}
   * (tag {@code streamalign-pairing-id=sample-gate}, plus thread and task) in {@code
   * KafkaStreams#metrics()}.
   */
  public static final String DUPLICATES_METRIC = "duplicate-dropped";

  private PairingTopology() {}

  /** The topology with the features module's default featurizers. */
  public static Topology build(PairingConfig cfg, Topics topics) {
    return build(cfg, topics, Featurizers.defaults());
  }

  /** The topology with the given featurizers and the default input rules. */
  public static Topology build(PairingConfig cfg, Topics topics, Featurizers f) {
    return build(cfg, topics, f, InputRules.defaults());
  }

  /** The topology with the given featurizers and input rules. */
  public static Topology build(PairingConfig cfg, Topics topics, Featurizers f, InputRules rules) {
    StreamsBuilder b = new StreamsBuilder();
    InputActivity activity = new InputActivity();

    KStream<String, Partial> video =
        decode(
            b,
            topics,
            rules,
            topics.video(),
            "video",
            (key, v, session) -> {
              checkKeyAndTime(key, v.getStreamId(), v.getEventTimeMs());
              checkSeq(v.getSeq(), rules);
              byte[] data = bytes(v.getData());
              checkFrame(v.getEncoding(), v.getWidth(), v.getHeight(), v.getChannels(), data);
              float[] x =
                  finite(
                      f.video(
                          v.getWidth(),
                          v.getHeight(),
                          v.getChannels(),
                          v.getEncoding().name(),
                          data),
                      "video",
                      f.videoShape());
              return Partial.video(v.getStreamId(), v.getSeq(), session, v.getEventTimeMs(), x);
            },
            Partial::eventTimeMs,
            activity,
            MomentParts.VIDEO);

    KStream<String, Partial> audio =
        decode(
            b,
            topics,
            rules,
            topics.audio(),
            "audio",
            (key, a, session) -> {
              checkKeyAndTime(key, a.getStreamId(), a.getEventTimeMs());
              checkSeq(a.getSeq(), rules);
              byte[] data = bytes(a.getData());
              checkAudio(a.getSampleRate(), a.getChannels(), data);
              float[] x =
                  finite(
                      f.audio(data, a.getSampleRate(), a.getChannels()), "audio", f.audioShape());
              return Partial.audio(a.getStreamId(), a.getSeq(), session, a.getEventTimeMs(), x);
            },
            Partial::eventTimeMs,
            activity,
            MomentParts.AUDIO);

    KStream<String, Partial> text =
        decode(
            b,
            topics,
            rules,
            topics.text(),
            "text",
            (key, t, session) -> {
              checkKeyAndTime(key, t.getStreamId(), t.getEventTimeMs());
              checkSeq(t.getSeq(), rules);
              if (t.getText() == null || t.getText().isBlank()) {
                throw new InvalidInputException("empty text");
              }
              if (t.getText().length() > MAX_TEXT_CHARS) {
                throw new InvalidInputException(
                    "text of "
                        + t.getText().length()
                        + " characters (at most "
                        + MAX_TEXT_CHARS
                        + ")");
              }
              float[] x = finite(f.text(t.getText()), "text", f.textShape());
              return Partial.text(
                  t.getStreamId(), t.getSeq(), session, t.getEventTimeMs(), x, t.getText());
            },
            Partial::eventTimeMs,
            activity,
            MomentParts.TEXT);

    KStream<String, LabelEvent> labelStream =
        decode(
            b,
            topics,
            rules,
            topics.labels(),
            "labels",
            (key, l, session) -> {
              checkKeyAndTime(key, l.getStreamId(), l.getEventTimeMs());
              if (l.getClassName() == null || l.getClassName().isBlank()) {
                throw new InvalidInputException("empty class name");
              }
              if (l.getClassName().length() > MAX_CLASS_NAME_CHARS) {
                throw new InvalidInputException(
                    "class name of "
                        + l.getClassName().length()
                        + " characters (at most "
                        + MAX_CLASS_NAME_CHARS
                        + ")");
              }
              if (l.getStartTimeMs() < 0 || l.getEndTimeMs() <= l.getStartTimeMs()) {
                throw new InvalidInputException(
                    "empty or negative label range ["
                        + l.getStartTimeMs()
                        + ", "
                        + l.getEndTimeMs()
                        + ")");
              }
              return l;
            },
            LabelEvent::getStartTimeMs,
            activity,
            0);

    // Whatever partitioner the producer used, the records of one stream meet in one task from here
    // on.
    video = byStream(video, Partial::streamId, Partial.SERDE, "video");
    audio = byStream(audio, Partial::streamId, Partial.SERDE, "audio");
    text = byStream(text, Partial::streamId, Partial.SERDE, "text");
    labelStream =
        byStream(labelStream, LabelEvent::getStreamId, topics.labels().valueSerde(), "labels");

    // Labels older than the label history would be dropped by the versioned table: dead letters
    // instead.
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(JOIN_TIME_STORE), Serdes.String(), Serdes.Long())
            .withCachingEnabled());
    labelStream =
        lateGate(
            labelStream,
            topics,
            topics.labels(),
            "labels",
            "labels",
            new String[] {"labels"},
            cfg.labelHistory().toMillis());

    // Frames, chunks and captions are keyed by streamId, so one task reads all of a stream's
    // moments;
    // the sample gate assembles each moment by its id (stream, seq, session) and emits it once.
    Topic<String, LabelEvent> labelTopic = topics.labels();
    KTable<String, LabelEvent> labels =
        labelStream.toTable(
            Named.as("labels-table"),
            Materialized.<String, LabelEvent>as(
                    Stores.persistentVersionedKeyValueStore(LABEL_STORE, cfg.labelHistory()))
                .withKeySerde(Serdes.String())
                .withValueSerde(labelTopic.valueSerde()));
    // A stream's frames, chunks, captions and labels must meet in one task, so the four by-stream
    // topics must have as many partitions as each other, whatever the input topics have. Streams
    // ensures that for the inputs of a join and for nothing else: the parts pass through a
    // stream-table join with the label table that hands each part on unchanged (the label join
    // proper is LabelWait's, per moment). Without it, labels on fewer partitions than the media
    // went to other tasks than their moments (AnyPartitionerIT).
    KStream<String, Partial> parts =
        video
            .merge(audio, Named.as("video-and-audio"))
            .merge(text, Named.as("and-captions"))
            .leftJoin(
                labels,
                (part, label) -> part,
                Joined.with(
                    Serdes.String(), Partial.SERDE, labelTopic.valueSerde(), "co-partitioned"));
    b.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                DEDUPE_STORE, cfg.dedupeRetention(), cfg.dedupeRetention(), false),
            Serdes.String(),
            Serdes.Long()));
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(PENDING_STORE), Serdes.String(), Partial.SERDE)
            .withCachingEnabled());
    String videoName = topics.video().name();
    String audioName = topics.audio().name();
    String textName = topics.text().name();
    KStream<String, Outcome<Partial>> gated =
        parts.process(
            () ->
                new SampleGate(
                    DEDUPE_STORE, PENDING_STORE, cfg, videoName, audioName, textName, activity),
            Named.as("sample-gate"),
            DEDUPE_STORE,
            PENDING_STORE);
    Topic<byte[], DeadLetter> anyDlq = topics.deadLetters(topics.video());
    gated
        .filter((k, o) -> o.isDead(), Named.as("moment-failed"))
        .map(
            (k, o) ->
                KeyValue.pair(
                    k == null ? null : DeadLetters.recordKey(k.getBytes(StandardCharsets.UTF_8)),
                    o.dead()),
            Named.as("moment-dead-letter"))
        .to(
            (k, d, ctx) -> d.getOriginalTopic() + Topic.DLQ_SUFFIX,
            Produced.with(anyDlq.keySerde(), anyDlq.valueSerde()).withName("moment-to-dlq"));
    KStream<String, Partial> unique =
        gated
            .filter((k, o) -> !o.isDead(), Named.as("moment-ok"))
            .mapValues(Outcome::value, Named.as("moment-value"));

    // the label join: a moment waits for its label only when none covers it yet, then takes the
    // label valid at its event time in the versioned table (LabelWait); the table is a store of
    // the same task, since labels are repartitioned by streamId like the moments' parts
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(LABEL_WAIT_STORE), Serdes.String(), Partial.SERDE)
            .withCachingEnabled());
    Featurizers shapes = f;
    KStream<String, PairedSample> samples =
        unique.process(
            () ->
                new LabelWait(
                    LABEL_STORE,
                    LABEL_WAIT_STORE,
                    cfg.labelGrace(),
                    activity,
                    (p, l) -> toSample(p, l, shapes)),
            Named.as("label-join"),
            LABEL_STORE,
            LABEL_WAIT_STORE);

    Topic<String, PairedSample> paired = topics.paired();
    samples.to(
        paired.name(), Produced.with(paired.keySerde(), paired.valueSerde()).withName("to-paired"));
    if (cfg.routeAllToInfer()) {
      Topic<String, PairedSample> infer = topics.infer();
      samples.to(
          infer.name(), Produced.with(infer.keySerde(), infer.valueSerde()).withName("to-infer"));
    } else if (cfg.routeUnlabeledToInfer()) {
      Topic<String, PairedSample> infer = topics.infer();
      samples
          .filter((k, s) -> s.getLabel() == null, Named.as("unlabeled"))
          .to(
              infer.name(),
              Produced.with(infer.keySerde(), infer.valueSerde()).withName("to-infer"));
    }
    return b.build();
  }

  private static <V> KStream<String, V> lateGate(
      KStream<String, V> in,
      Topics topics,
      Topic<String, ?> topic,
      String name,
      String clock,
      String[] readClocks,
      long allowedLatenessMs) {
    KStream<String, Outcome<V>> out =
        in.processValues(
            () ->
                new LateGate<>(JOIN_TIME_STORE, topic.name(), clock, readClocks, allowedLatenessMs),
            Named.as(name + "-late-gate"),
            JOIN_TIME_STORE);
    Topic<byte[], DeadLetter> dlq = topics.deadLetters(topic);
    out.filter((k, o) -> o.isDead(), Named.as(name + "-late"))
        .map(
            (k, o) ->
                KeyValue.pair(
                    k == null ? null : DeadLetters.recordKey(k.getBytes(StandardCharsets.UTF_8)),
                    o.dead()),
            Named.as(name + "-late-dead-letter"))
        .to(
            dlq.name(),
            Produced.with(dlq.keySerde(), dlq.valueSerde()).withName(name + "-late-to-dlq"));
    return out.filter((k, o) -> !o.isDead(), Named.as(name + "-in-time"))
        .mapValues(Outcome::value, Named.as(name + "-in-time-value"));
  }

  private static <T, R> KStream<String, R> decode(
      StreamsBuilder b,
      Topics topics,
      InputRules rules,
      Topic<String, T> topic,
      String name,
      DecodeProcessor.Step<T, R> step,
      Function<R, Long> timestamp,
      InputActivity activity,
      int ownPart) {
    KStream<String, Outcome<R>> out =
        b.stream(
                topic.name(),
                Consumed.with(Serdes.String(), Serdes.ByteArray())
                    .withTimestampExtractor(
                        new GuardedTimestampExtractor(
                            rules.maxFutureSkew().toMillis(), System::currentTimeMillis))
                    .withName(name + "-source"))
            .processValues(
                () ->
                    new DecodeProcessor<>(
                        topic.name(),
                        topic.valueSerde().deserializer(),
                        step,
                        timestamp,
                        rules,
                        activity,
                        ownPart),
                Named.as(name + "-decode"));
    Topic<byte[], DeadLetter> dlq = topics.deadLetters(topic);
    out.filter((k, o) -> o.isDead(), Named.as(name + "-failed"))
        .map(
            (k, o) ->
                KeyValue.pair(
                    k == null ? null : DeadLetters.recordKey(k.getBytes(StandardCharsets.UTF_8)),
                    o.dead()),
            Named.as(name + "-dead-letter"))
        .to(dlq.name(), Produced.with(dlq.keySerde(), dlq.valueSerde()).withName(name + "-to-dlq"));
    return out.filter((k, o) -> !o.isDead(), Named.as(name + "-ok"))
        .mapValues(Outcome::value, Named.as(name + "-value"));
  }

  /**
   * The stream keyed by its join key and repartitioned with Kafka's default partitioner, so that
   * the assembly of moments and the label join do not depend on the producer's partitioner.
   */
  private static <V> KStream<String, V> byStream(
      KStream<String, V> in, Function<V, String> streamId, Serde<V> serde, String name) {
    return in.selectKey((k, v) -> streamId.apply(v), Named.as(name + "-key-by-stream"))
        .repartition(Repartitioned.with(Serdes.String(), serde).withName(name + "-by-stream"));
  }

  static PairedSample toSample(Partial p, LabelEvent label, Featurizers f) {
    List<Modality> present = new ArrayList<>(3);
    if (p.video() != null) present.add(Modality.VIDEO);
    if (p.audio() != null) present.add(Modality.AUDIO);
    if (p.hasText()) present.add(Modality.TEXT);
    String className = null;
    List<Modality> labeled = new ArrayList<>();
    if (label != null
        && label.getStartTimeMs() <= p.eventTimeMs()
        && p.eventTimeMs() < label.getEndTimeMs()) {
      if (label.getModality() == null) {
        labeled.addAll(present);
      } else if (present.contains(label.getModality())) {
        labeled.add(label.getModality());
      }
      if (!labeled.isEmpty()) className = label.getClassName();
    }
    return PairedSample.newBuilder()
        .setSampleId(p.sampleId())
        .setStreamId(p.streamId())
        .setEventTimeMs(p.eventTimeMs())
        .setVideo(p.video() == null ? null : FeatureTensors.of(p.video(), f.videoShape()))
        .setAudio(p.audio() == null ? null : FeatureTensors.of(p.audio(), f.audioShape()))
        .setText(p.hasText() ? FeatureTensors.of(p.text(), f.textShape()) : null)
        .setCaption(p.caption())
        .setLabel(className)
        .setLabeledModalities(labeled)
        .setPairing(PairingKind.STRONG)
        .setConceptGroup(className)
        .build();
  }

  private static void checkKeyAndTime(String key, String streamId, long eventTimeMs) {
    if (streamId == null || streamId.isBlank()) {
      throw new InvalidInputException("empty streamId");
    }
    if (streamId.length() > InputRules.MAX_STREAM_ID_CHARS) {
      throw new InvalidInputException(
          "streamId of "
              + streamId.length()
              + " characters (at most "
              + InputRules.MAX_STREAM_ID_CHARS
              + ")");
    }
    if (!streamId.equals(key)) {
      throw new InvalidInputException(
          "record key '" + key + "' does not match streamId '" + streamId + "'");
    }
    if (eventTimeMs < 0) {
      throw new InvalidInputException("negative eventTimeMs " + eventTimeMs);
    }
  }

  private static void checkSeq(long seq, InputRules rules) {
    if (seq < 0) {
      throw new InvalidInputException("negative seq " + seq + " (sequence numbers start at 0)");
    }
    if (seq > rules.maxSeq()) {
      throw new InvalidInputException("seq " + seq + " is larger than " + rules.maxSeq());
    }
  }

  private static void checkFrame(FrameEncoding enc, int w, int h, int c, byte[] data) {
    if (data.length == 0) {
      throw new InvalidInputException("empty frame data");
    }
    // every encoding declares its size: a compressed image is checked against it once decoded
    if (w < 1 || h < 1 || w > VideoFeatureConfig.MAX_SIDE || h > VideoFeatureConfig.MAX_SIDE) {
      throw new InvalidInputException(
          "bad frame size " + w + "x" + h + " (each side 1.." + VideoFeatureConfig.MAX_SIDE + ")");
    }
    boolean ok = enc == FrameEncoding.RGB24 ? c == 3 : (c == 1 || c == 3);
    if (!ok) {
      throw new InvalidInputException(
          "unsupported encoding "
              + enc
              + " with "
              + c
              + " channels (RGB24 takes 3, RAW8, PNG and JPEG take 1 or 3)");
    }
    if (enc == FrameEncoding.RAW8 || enc == FrameEncoding.RGB24) {
      long expected = (long) w * h * c;
      if (data.length != expected) {
        throw new InvalidInputException(
            "frame data length "
                + data.length
                + " != width*height*channels = "
                + w
                + "*"
                + h
                + "*"
                + c
                + " = "
                + expected);
      }
    }
  }

  /** Sample rates accepted (Hz): the standard audio rates. */
  static final java.util.Set<Integer> SAMPLE_RATES =
      java.util.Set.of(
          8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400,
          192000, 352800, 384000);

  /** Shortest audio chunk accepted (ms): shorter ones hold too little signal to featurize. */
  static final int MIN_AUDIO_MS = 10;

  /** Longest audio chunk accepted (ms): a chunk is the audio of one moment. */
  static final int MAX_AUDIO_MS = 60_000;

  /** Longest text accepted (characters). */
  static final int MAX_TEXT_CHARS = 10_000;

  /** Longest class name accepted (characters). */
  static final int MAX_CLASS_NAME_CHARS = 128;

  /** Largest feature magnitude accepted: the featurizers' outputs are normalized far below it. */
  static final float MAX_ABS_FEATURE = 1e6f;

  private static void checkAudio(int sampleRate, int channels, byte[] data) {
    if (data.length == 0) {
      throw new InvalidInputException("empty audio");
    }
    if (!SAMPLE_RATES.contains(sampleRate)) {
      throw new InvalidInputException(
          "bad sample rate "
              + sampleRate
              + " Hz (one of "
              + new java.util.TreeSet<>(SAMPLE_RATES)
              + ")");
    }
    if (channels < 1 || channels > 32) {
      throw new InvalidInputException("bad channel count " + channels + " (1..32)");
    }
    if (data.length % (2 * channels) != 0) {
      throw new InvalidInputException(
          "truncated PCM16: "
              + data.length
              + " bytes is not a multiple of 2*"
              + channels
              + " channels");
    }
    long frames = data.length / (2L * channels);
    long ms = frames * 1000 / sampleRate;
    if (ms < MIN_AUDIO_MS || ms > MAX_AUDIO_MS) {
      throw new InvalidInputException(
          "audio of "
              + frames
              + " samples at "
              + sampleRate
              + " Hz lasts "
              + ms
              + " ms ("
              + MIN_AUDIO_MS
              + ".."
              + MAX_AUDIO_MS
              + " ms)");
    }
  }

  private static float[] finite(float[] x, String what, int[] shape) {
    int n = 1;
    for (int d : shape) n *= d;
    if (x.length != n) {
      throw new FeatureException(
          what
              + " features of length "
              + x.length
              + ", the shape "
              + java.util.Arrays.toString(shape)
              + " takes "
              + n);
    }
    for (int i = 0; i < x.length; i++) {
      if (!Float.isFinite(x[i])) {
        throw new FeatureException("non-finite " + what + " feature " + x[i] + " at index " + i);
      }
      if (Math.abs(x[i]) > MAX_ABS_FEATURE) {
        throw new FeatureException(
            "out-of-range "
                + what
                + " feature "
                + x[i]
                + " at index "
                + i
                + " (|x| <= "
                + MAX_ABS_FEATURE
                + ")");
      }
    }
    return x;
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) return new byte[0];
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
