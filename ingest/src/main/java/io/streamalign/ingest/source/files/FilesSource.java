package io.streamalign.ingest.source.files;

import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.ingest.source.BackgroundRun;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a directory of class folders ({@code DIR/<className>/*.wav|*.png|*.jpg|*.jpeg|*.txt})
 * as one stream. Files of a class that share a base name form one sample ({@code cat/001.png +
 * cat/001.wav + cat/001.txt}); a lone file is a single-modality sample. Sample {@code n} is sent
 * with seq {@code n} and event time {@code start + n / rate} as:
 *
 * <ul>
 *   <li>a {@link LabelEvent} (class = folder name, all modalities) over {@code [t, t + 1/rate]},
 *   <li>a {@link TextSegment} with the text file's content,
 *   <li>a {@link VideoFrame}, PNG or JPEG bytes unchanged with the decoded width, height and
 *       channels,
 *   <li>an {@link AudioChunk} with the WAV's PCM16 samples (parsed by the features module's {@link
 *       io.streamalign.features.data.Wav}), rate and channels.
 * </ul>
 *
 * so that the pairing topology matches the frame and chunk of a sample by seq.
 *
 * <p>Bad files never stop the source: each file that cannot be read or decoded is logged with the
 * reason, counted in {@link FilesProgress#unreadable()} once, kept in {@link #problems()} and
 * skipped on later passes; a sample with no usable file is skipped without using a seq. The
 * directory is scanned again at the start of every pass, so files added while looping are picked
 * up.
 */
public final class FilesSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FilesSource.class);

  private final AvSink sink;
  private final Path dir;
  private final FilesOptions options;
  private final AtomicLong samples = new AtomicLong();
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong passes = new AtomicLong();
  private final Set<Path> bad = ConcurrentHashMap.newKeySet();
  private final List<FileProblem> problems = new CopyOnWriteArrayList<>();
  private volatile long startedAtMs;

  /**
   * @param sink where records go (an {@link AvProducer} for Kafka)
   * @param dir the directory holding one folder per class
   */
  private final BackgroundRun<FilesProgress> lifecycle =
      new BackgroundRun<>(
          () -> "source-files",
          this::loop,
          cause -> new IllegalStateException("files source failed", cause));

  public FilesSource(AvSink sink, Path dir, FilesOptions options) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.dir = Objects.requireNonNull(dir, "dir");
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Starts publishing on a new daemon thread; returns at once. */
  public void start() {
    lifecycle.start();
  }

  /** Asks the source to stop after the current sample and waits for it (at most 30 s). */
  public void stop() {
    lifecycle.stop();
  }

  /** Waits for the source to finish; returns the final progress, or null on timeout. */
  public FilesProgress await(Duration timeout) {
    return lifecycle.await(timeout);
  }

  /** Completes when the source has finished. */
  public CompletableFuture<FilesProgress> completion() {
    return lifecycle.completion();
  }

  /** Progress so far. */
  public FilesProgress progress() {
    return snapshot(false);
  }

  /** Files skipped so far, each with the reason (each file once). */
  public List<FileProblem> problems() {
    return Collections.unmodifiableList(problems);
  }

  /**
   * Publishes until the limit is reached, the directory is exhausted (without loop) or {@link
   * #stop()} is called.
   *
   * @throws IllegalArgumentException if the directory does not exist (bad configuration, not bad
   *     data)
   */
  public FilesProgress run() {
    return lifecycle.run();
  }

  private FilesProgress loop() {
    long wallStart = System.currentTimeMillis();
    startedAtMs = wallStart;
    long eventStart = options.startTimeMs() > 0 ? options.startTimeMs() : wallStart;
    long nextReport = wallStart + options.progressInterval().toMillis();
    long n = 0;
    outer:
    for (int pass = 0; !lifecycle.stopRequested(); pass++) {
      FileSamples.Scan scan = FileSamples.scan(dir);
      scan.problems().forEach(this::report);
      List<FileSample> order = order(scan.samples(), pass);
      if (order.isEmpty()) {
        LOG.warn(
            "files source: no samples in {} (expected {}/<className>/*.png|jpg|jpeg|wav|txt)",
            dir,
            dir);
        break;
      }
      long before = n;
      for (FileSample s : order) {
        if (lifecycle.stopRequested() || (options.limit() > 0 && n >= options.limit())) break outer;
        FileSample usable = withoutBad(s);
        if (usable == null) continue;
        FileSamples.Loaded loaded = FileSamples.read(usable, this::report);
        if (loaded.isEmpty()) continue;
        long offset = options.eventOffsetMs(n);
        if (options.rate() > 0) {
          long sleep = wallStart + offset - System.currentTimeMillis();
          if (sleep > 0) {
            try {
              Thread.sleep(sleep);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              break outer;
            }
          }
        }
        publish(loaded, n, eventStart + offset);
        n++;
        long now = System.currentTimeMillis();
        if (options.progress() != null && now >= nextReport) {
          options.progress().accept(snapshot(false));
          nextReport = now + options.progressInterval().toMillis();
        }
      }
      passes.incrementAndGet();
      if (!options.loop()) break;
      if (n == before) {
        LOG.warn("files source: no readable sample in {} in a whole pass; stopping", dir);
        break;
      }
    }
    sink.flush();
    FilesProgress last = snapshot(true);
    if (options.progress() != null) options.progress().accept(last);
    return last;
  }

  private List<FileSample> order(List<FileSample> all, int pass) {
    List<FileSample> l =
        new ArrayList<>(
            all.stream().filter(s -> s.files().stream().anyMatch(f -> !bad.contains(f))).toList());
    if (options.shuffle()) {
      Collections.shuffle(l, new Random(options.seed() + 7919L * pass));
      return l;
    }
    return FileSamples.interleaveClasses(l);
  }

  private FileSample withoutBad(FileSample s) {
    Path img = s.image() != null && bad.contains(s.image()) ? null : s.image();
    Path wav = s.audio() != null && bad.contains(s.audio()) ? null : s.audio();
    Path txt = s.text() != null && bad.contains(s.text()) ? null : s.text();
    if (img == null && wav == null && txt == null) return null;
    return new FileSample(s.className(), s.baseName(), img, wav, txt);
  }

  private void report(FileProblem p) {
    if (bad.add(p.file())) {
      problems.add(p);
      LOG.warn("files source: skipping {}: {}", p.file(), p.reason());
    }
  }

  private void publish(FileSamples.Loaded s, long seq, long t) {
    String id = options.streamId();
    LabelEvent label =
        LabelEvent.newBuilder()
            .setStreamId(id)
            .setClassName(s.sample().className())
            .setModality(null)
            .setStartTimeMs(t)
            .setEndTimeMs(t + options.sampleMs())
            .setEventTimeMs(t)
            .build();
    TextSegment text = null;
    if (s.text() != null) {
      text =
          TextSegment.newBuilder()
              .setStreamId(id)
              .setSeq(seq)
              .setEventTimeMs(t)
              .setText(s.text())
              .setLanguage("en")
              .build();
    }
    VideoFrame frame = null;
    if (s.image() != null) {
      FileSamples.Image im = s.image();
      frame =
          VideoFrame.newBuilder()
              .setStreamId(id)
              .setSeq(seq)
              .setEventTimeMs(t)
              .setWidth(im.width())
              .setHeight(im.height())
              .setChannels(im.channels())
              .setEncoding(im.encoding())
              .setData(ByteBuffer.wrap(im.data()))
              .build();
    }
    AudioChunk chunk = null;
    if (s.audio() != null) {
      chunk =
          AudioChunk.newBuilder()
              .setStreamId(id)
              .setSeq(seq)
              .setEventTimeMs(t)
              .setSampleRate(s.audio().sampleRate())
              .setChannels(s.audio().channels())
              .setData(ByteBuffer.wrap(AvProducer.pcm16le(s.audio().samples())))
              .build();
    }
    // one moment: a Kafka sink declares its parts, so pairing emits it as soon as they are in
    for (CompletableFuture<?> f : AvSink.sendMomentOrFailure(sink, label, text, frame, chunk))
      track(() -> f);
    samples.incrementAndGet();
  }

  private void track(Supplier<CompletableFuture<?>> send) {
    records.incrementAndGet();
    try {
      send.get()
          .whenComplete(
              (r, e) -> {
                if (e != null && failures.incrementAndGet() <= 10)
                  LOG.warn("files source: send failed", e);
              });
    } catch (RuntimeException e) {
      if (failures.incrementAndGet() <= 10) LOG.warn("files source: send failed", e);
    }
  }

  private FilesProgress snapshot(boolean finished) {
    long elapsed = startedAtMs == 0 ? 0 : System.currentTimeMillis() - startedAtMs;
    return new FilesProgress(
        samples.get(),
        records.get(),
        problems.size(),
        failures.get(),
        passes.get(),
        elapsed,
        finished);
  }

  @Override
  public void close() {
    stop();
  }
}
