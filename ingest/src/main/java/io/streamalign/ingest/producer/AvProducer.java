package io.streamalign.ingest.producer;

import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Typed producer for the raw audio-visual topics: {@code av.video} ({@link VideoFrame}), {@code
 * av.audio} ({@link AudioChunk}), {@code av.text} ({@link TextSegment}) and {@code av.labels}
 * ({@link LabelEvent}), each keyed by streamId (UTF-8 string) with an Avro single-object-encoded
 * value.
 *
 * <p>One {@link KafkaProducer} is shared by all threads (it is thread-safe). Defaults: idempotence
 * on, {@code acks=all}, lz4 compression, {@code linger.ms=10}, 256 KiB batches; properties from
 * {@link KafkaSettings#clientProperties()} override the defaults except idempotence and acks, which
 * are what makes a retried send never duplicate or drop a record in a partition.
 *
 * <p>The record timestamp is the event time, so the pairing windows are event-time windows. The
 * convenience overloads assign per (stream, modality) sequence numbers 0, 1, 2, ...: a source that
 * sends one frame and one chunk per moment gets equal seqs for the frame and chunk of the same
 * moment, which is what the pairing topology matches on.
 *
 * <p>Every record sent through the typed methods carries the header {@value #SESSION_HEADER}: a
 * random id drawn once per producer instance. Pairing puts it in the sample id ({@code
 * streamId#seq/session}) and pairs only records of the same session, so a restarted producer whose
 * seqs start again at 0 is never taken for a duplicate of its previous run (docs/producing.md,
 * "Sequence numbers").
 */
public final class AvProducer implements AvSink, AutoCloseable {

  /**
   * Header naming the producer session of a record (1 to 64 characters of {@code [A-Za-z0-9._-]}).
   */
  public static final String SESSION_HEADER = "streamalign.session";

  /**
   * Header declaring the parts of a record's moment: a comma-separated list of {@code video},
   * {@code audio} and {@code text} ({@link #sendMoment}).
   */
  public static final String PARTS_HEADER = "streamalign.parts";

  private final Producer<byte[], byte[]> producer;
  private final String session = newSession();
  private final Topics topics;
  private final Map<String, AtomicLong> seqs = new ConcurrentHashMap<>();

  /**
   * Producer from typed settings: their bootstrap servers, pass-through client properties and topic
   * prefix.
   */
  public AvProducer(KafkaSettings settings) {
    this(settings.clientProperties(), settings.topics());
  }

  /** Producer from typed settings with explicit topics. */
  public AvProducer(KafkaSettings settings, Topics topics) {
    this(settings.clientProperties(), topics);
  }

  /** Producer from raw client properties (must contain bootstrap.servers). */
  public AvProducer(Properties clientProperties, Topics topics) {
    this(
        new KafkaProducer<>(
            producerProperties(clientProperties),
            new ByteArraySerializer(),
            new ByteArraySerializer()),
        topics);
  }

  /** Wraps an existing producer (tests); the producer is closed by {@link #close()}. */
  public AvProducer(Producer<byte[], byte[]> producer, Topics topics) {
    this.producer = Objects.requireNonNull(producer, "producer");
    this.topics = Objects.requireNonNull(topics, "topics");
  }

  /**
   * The producer configuration used: StreamAlign defaults, then {@code client}, then the safety
   * settings.
   */
  public static Properties producerProperties(Properties client) {
    Properties p = new Properties();
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
    // the input topics' max.message.bytes (Topics.INPUT_MAX_MESSAGE_BYTES): a larger record fails
    // its send
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.INPUT_MAX_MESSAGE_BYTES));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    p.putAll(client);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
    p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
    return p;
  }

  /** A fresh session id: 13 base-36 characters from a secure random source. */
  static String newSession() {
    long r = new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
    String s = Long.toString(r, 36);
    return "0".repeat(13 - s.length()) + s;
  }

  /**
   * This producer's session id, sent in the {@value #SESSION_HEADER} header of every typed record.
   */
  public String session() {
    return session;
  }

  /** Next sequence number of {@code streamId} for {@code modality} (0, 1, 2, ...); thread-safe. */
  public long nextSeq(String streamId, Modality modality) {
    return seqs.computeIfAbsent(modality.name() + '/' + streamId, s -> new AtomicLong())
        .getAndIncrement();
  }

  /** Sends a frame as given (its seq is kept). */
  @Override
  public CompletableFuture<RecordMetadata> sendFrame(VideoFrame frame) {
    return send(topics.video(), frame.getStreamId(), frame, frame.getEventTimeMs());
  }

  /** Sends a frame with the next video seq of {@code streamId}. */
  public CompletableFuture<RecordMetadata> sendFrame(
      String streamId,
      int width,
      int height,
      int channels,
      FrameEncoding encoding,
      byte[] data,
      long eventTimeMs) {
    return sendFrame(
        streamId,
        nextSeq(streamId, Modality.VIDEO),
        width,
        height,
        channels,
        encoding,
        data,
        eventTimeMs);
  }

  /** Sends a frame with an explicit seq (e.g. shared with the audio chunk of the same moment). */
  public CompletableFuture<RecordMetadata> sendFrame(
      String streamId,
      long seq,
      int width,
      int height,
      int channels,
      FrameEncoding encoding,
      byte[] data,
      long eventTimeMs) {
    return sendFrame(
        VideoFrame.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setWidth(width)
            .setHeight(height)
            .setChannels(channels)
            .setEncoding(encoding)
            .setData(ByteBuffer.wrap(data))
            .build());
  }

  /** Sends an audio chunk as given (its seq is kept). */
  @Override
  public CompletableFuture<RecordMetadata> sendAudio(AudioChunk chunk) {
    return send(topics.audio(), chunk.getStreamId(), chunk, chunk.getEventTimeMs());
  }

  /** Sends PCM16 little-endian interleaved audio with the next audio seq of {@code streamId}. */
  public CompletableFuture<RecordMetadata> sendAudio(
      String streamId, int sampleRate, int channels, byte[] pcm16le, long eventTimeMs) {
    return sendAudio(
        streamId, nextSeq(streamId, Modality.AUDIO), sampleRate, channels, pcm16le, eventTimeMs);
  }

  /** Sends PCM16 little-endian interleaved audio with an explicit seq. */
  public CompletableFuture<RecordMetadata> sendAudio(
      String streamId, long seq, int sampleRate, int channels, byte[] pcm16le, long eventTimeMs) {
    return sendAudio(
        AudioChunk.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setSampleRate(sampleRate)
            .setChannels(channels)
            .setData(ByteBuffer.wrap(pcm16le))
            .build());
  }

  /** Sends mono 16-bit samples with an explicit seq (encoded as PCM16 little-endian). */
  public CompletableFuture<RecordMetadata> sendAudio(
      String streamId, long seq, int sampleRate, short[] mono, long eventTimeMs) {
    return sendAudio(streamId, seq, sampleRate, 1, pcm16le(mono), eventTimeMs);
  }

  /** Sends a text segment as given. */
  @Override
  public CompletableFuture<RecordMetadata> sendText(TextSegment segment) {
    return send(topics.text(), segment.getStreamId(), segment, segment.getEventTimeMs());
  }

  /** Sends English text with the next text seq of {@code streamId}. */
  public CompletableFuture<RecordMetadata> sendText(
      String streamId, String text, long eventTimeMs) {
    return sendText(streamId, nextSeq(streamId, Modality.TEXT), text, eventTimeMs);
  }

  /** Sends English text with an explicit seq. */
  public CompletableFuture<RecordMetadata> sendText(
      String streamId, long seq, String text, long eventTimeMs) {
    return sendText(
        TextSegment.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setText(text)
            .setLanguage("en")
            .build());
  }

  /** Sends a label event; its record timestamp is the start of the labeled range. */
  @Override
  public CompletableFuture<RecordMetadata> sendLabel(LabelEvent label) {
    return send(topics.labels(), label.getStreamId(), label, label.getStartTimeMs());
  }

  /**
   * Labels {@code [startTimeMs, endTimeMs]} of {@code streamId} as {@code className}; {@code
   * modality} null labels every modality present.
   */
  public CompletableFuture<RecordMetadata> sendLabel(
      String streamId,
      String className,
      Modality modality,
      long startTimeMs,
      long endTimeMs,
      long eventTimeMs) {
    return sendLabel(
        LabelEvent.newBuilder()
            .setStreamId(streamId)
            .setClassName(className)
            .setModality(modality)
            .setStartTimeMs(startTimeMs)
            .setEndTimeMs(endTimeMs)
            .setEventTimeMs(eventTimeMs)
            .build());
  }

  /**
   * Sends raw bytes to any topic (tools and tests: replaying dead letters, injecting bad input).
   */
  public CompletableFuture<RecordMetadata> sendRaw(
      String topic, String key, byte[] value, Long timestampMs) {
    return doSend(
        new ProducerRecord<>(
            topic,
            null,
            timestampMs,
            key == null ? null : key.getBytes(StandardCharsets.UTF_8),
            value));
  }

  /**
   * Sends one moment, declaring its parts in the {@value #PARTS_HEADER} header of its frame, chunk
   * and caption (docs/producing.md, "Declaring a moment's parts"): pairing emits it as soon as they
   * are all in. Frame, chunk and caption must share the stream, seq and event time of the moment.
   */
  @Override
  public List<CompletableFuture<?>> sendMoment(
      LabelEvent label, TextSegment text, VideoFrame frame, AudioChunk audio) {
    List<String> names = new ArrayList<>(3);
    if (frame != null) names.add("video");
    if (audio != null) names.add("audio");
    if (text != null) names.add("text");
    String parts = String.join(",", names);
    List<CompletableFuture<?>> sent = new ArrayList<>(4);
    if (label != null) sent.add(sendLabel(label));
    if (text != null)
      sent.add(send(topics.text(), text.getStreamId(), text, text.getEventTimeMs(), parts));
    if (frame != null)
      sent.add(send(topics.video(), frame.getStreamId(), frame, frame.getEventTimeMs(), parts));
    if (audio != null)
      sent.add(send(topics.audio(), audio.getStreamId(), audio, audio.getEventTimeMs(), parts));
    return sent;
  }

  private <V> CompletableFuture<RecordMetadata> send(
      Topic<String, V> topic, String key, V value, long timestamp) {
    return send(topic, key, value, timestamp, null);
  }

  private <V> CompletableFuture<RecordMetadata> send(
      Topic<String, V> topic, String key, V value, long timestamp, String parts) {
    Objects.requireNonNull(key, "streamId");
    byte[] k = topic.keySerde().serializer().serialize(topic.name(), key);
    byte[] v = topic.valueSerde().serializer().serialize(topic.name(), value);
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic.name(), null, timestamp < 0 ? null : timestamp, k, v);
    record.headers().add(SESSION_HEADER, session.getBytes(StandardCharsets.UTF_8));
    if (parts != null) record.headers().add(PARTS_HEADER, parts.getBytes(StandardCharsets.UTF_8));
    return doSend(record);
  }

  private CompletableFuture<RecordMetadata> doSend(ProducerRecord<byte[], byte[]> record) {
    CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
    try {
      producer.send(
          record,
          (md, ex) -> {
            if (ex != null) {
              f.completeExceptionally(ex);
            } else {
              f.complete(md);
            }
          });
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  /** Encodes mono 16-bit samples as PCM16 little-endian bytes. */
  public static byte[] pcm16le(short[] samples) {
    byte[] b = new byte[samples.length * 2];
    for (int i = 0; i < samples.length; i++) {
      b[2 * i] = (byte) samples[i];
      b[2 * i + 1] = (byte) (samples[i] >> 8);
    }
    return b;
  }

  /** Blocks until every record sent so far is acknowledged (or failed). */
  @Override
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /** Flushes and closes, waiting at most {@code timeout}. */
  public void close(Duration timeout) {
    producer.close(timeout);
  }
}
