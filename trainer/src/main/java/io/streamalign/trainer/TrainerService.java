package io.streamalign.trainer;

import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.OnlineLearner;
import io.streamalign.model.Sample;
import io.streamalign.model.StepReport;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.trainer.batch.MicroBatcher;
import io.streamalign.trainer.convert.SampleConverter;
import io.streamalign.trainer.metrics.MetricsServer;
import io.streamalign.trainer.metrics.TrainerMeters;
import io.streamalign.trainer.quality.PageHinkley;
import io.streamalign.trainer.quality.PrequentialWindow;
import io.streamalign.trainer.quality.PromotionGate;
import io.streamalign.trainer.snapshot.SnapshotLimits;
import io.streamalign.trainer.snapshot.SnapshotReader;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The online trainer: consumes paired samples, learns from them in micro-batches, and publishes
 * model snapshots exactly once.
 *
 * <p>Reads (group {@code streamalign-trainer-<model>}, {@code read_committed}, no auto-commit):
 * <ul>
 *   <li>{@code av.paired} — key streamId (String), value {@code PairedSample} (Avro single-object):
 *       converted to a model {@link Sample} and learned ({@link OnlineLearner#learn});</li>
 *   <li>{@code av.support} — key className, value {@code SupportExample}: enrolled at once
 *       ({@link OnlineLearner#enroll});</li>
 *   <li>{@code av.model.snapshots} at start — key modelName, value {@code ModelSnapshot}: the newest
 *       committed snapshot of this model, restored.</li>
 * </ul>
 * Writes, all in Kafka transactions of the producer {@code transactional.id = streamalign-trainer-<model>}:
 * <ul>
 *   <li>{@code av.model.snapshots} — key modelName, value {@code ModelSnapshot}, every S samples or
 *       T seconds (with new work), on rebalance and on {@link #stop()};</li>
 *   <li>{@code av.trainer.metrics} — key modelName, value {@code TrainerMetrics}, with each snapshot;</li>
 *   <li>{@code av.paired.dlq}, {@code av.support.dlq} — key the original key bytes, value {@code DeadLetter}:
 *       records that do not decode or do not fit the learner, with the reason.</li>
 * </ul>
 *
 * <p><b>Exactly once.</b> A snapshot transaction holds the snapshot, the metrics record and the
 * consumer offsets ({@code sendOffsetsToTransaction}) of exactly the records the snapshot's model has
 * learned from; its {@code sourceOffsets} are those offsets. On start the newest committed snapshot is
 * restored and the consumer seeks to its offsets, so after any crash every input record is reflected
 * in the model exactly once. {@code initTransactions()} runs before the restore: it fences an older
 * trainer of the same model (which then stops with a clear log line) and aborts its open
 * transaction, so the snapshot read is the last one that can ever commit.
 *
 * <p><b>Threads.</b> {@link #start()} does the fencing, restore and limit checks in the caller's
 * thread and throws on failure; then a loop thread owns the Kafka clients and a learner thread owns
 * the learner. The loop keeps polling while a step runs; the pending buffer is bounded and the input
 * partitions are paused while it is full (backpressure).
 */
public final class TrainerService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);
    private static final String FUSED = "FUSED";

    private final TrainerConfig config;
    private final LearnerFactory factory;
    private final Topics topics;
    private final Topic<String, PairedSample> pairedTopic;
    private final Topic<String, SupportExample> supportTopic;
    private final Topic<String, ModelSnapshot> snapshotTopic;
    private final Topic<String, TrainerMetrics> metricsTopic;
    private final AvroSerde<PairedSample> pairedSerde = AvroSerde.of(PairedSample.class);
    private final AvroSerde<SupportExample> supportSerde = AvroSerde.of(SupportExample.class);
    private final AvroSerde<ModelSnapshot> snapshotSerde = AvroSerde.of(ModelSnapshot.class);
    private final AvroSerde<TrainerMetrics> metricsSerde = AvroSerde.of(TrainerMetrics.class);
    private final AvroSerde<DeadLetter> deadLetterSerde = AvroSerde.of(DeadLetter.class);
    private final byte[] modelKey;
    private final TrainerMeters meters;

    private final AtomicReference<TrainerState> state = new AtomicReference<>(TrainerState.CREATED);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile boolean crashRequested;
    private volatile Throwable failure;

    // created by start()
    private ExecutorService learnerThread;
    private OnlineLearner learner; // used on learnerThread only
    private KafkaProducer<byte[], byte[]> producer;
    private KafkaConsumer<byte[], byte[]> consumer;
    private SampleConverter converter;
    private SnapshotLimits limits;
    private MetricsServer http;
    private Thread loopThread;

    // loop-thread state
    private final MicroBatcher<Pending> pending;
    private InFlight inFlight;
    private boolean inTransaction;
    private final List<ProducerRecord<byte[], byte[]>> uncommittedDeadLetters = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> fromLearnerThread = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, Long> modelOffsets = new HashMap<>();
    private final PromotionGate gate;
    private final PrequentialWindow window;
    private final PageHinkley drift;
    private boolean workSinceSnapshot;
    private long samplesSinceSnapshot;
    private long lastSnapshotNanos;
    private boolean paused;
    private RuntimeException fencedInCallback;

    // read by other threads
    private volatile long version;
    private volatile long samplesSeen;
    private volatile long learnedSinceStart;
    private volatile long driftEvents;
    private volatile long deadLetters;
    private volatile long lastSnapshotBytes;
    private volatile long consumerLag;
    private volatile long pauses;
    private volatile int maxPendingSeen;
    private volatile StepReport lastReport;
    private volatile boolean lastPromoted;
    private volatile Map<TopicPartition, Long> restoredOffsets = Map.of();
    private volatile Map<TopicPartition, Long> committedAtAssignment = Map.of();
    private volatile Optional<Long> restoredVersion = Optional.empty();

    /** A trainer with the real learner ({@link LearnerFactory#crossModal()}). */
    public TrainerService(TrainerConfig config) {
        this(config, LearnerFactory.crossModal());
    }

    public TrainerService(TrainerConfig config, LearnerFactory factory) {
        this.config = Objects.requireNonNull(config, "config");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.topics = config.topics();
        this.pairedTopic = topics.paired();
        this.supportTopic = topics.support();
        this.snapshotTopic = topics.snapshots();
        this.metricsTopic = topics.metrics();
        this.modelKey = config.modelName().getBytes(StandardCharsets.UTF_8);
        this.meters = new TrainerMeters(config.modelName());
        this.pending = new MicroBatcher<>(config.batchSize(), config.batchMaxWait(), config.maxPendingSamples());
        this.gate = new PromotionGate(config.promotionMargin());
        this.window = new PrequentialWindow(config.promotionWindow());
        this.drift = new PageHinkley(config.driftDelta(), config.driftThreshold(), 1.0, config.driftMinInstances());
    }

    // ------------------------------------------------------------------------------------------
    // lifecycle

    /**
     * Fences older trainers of this model, restores the newest committed snapshot (or creates a fresh
     * learner), checks the snapshot size against the Kafka limits, starts the metrics server (if a
     * port is set) and the loop thread. Throws, with the service FAILED, if any of that fails.
     *
     * @throws io.streamalign.trainer.snapshot.SnapshotTooLargeException if a snapshot would not fit
     */
    public synchronized void start() {
        if (!state.compareAndSet(TrainerState.CREATED, TrainerState.STARTING)) {
            throw new IllegalStateException("trainer " + config.modelName() + " was already started (" + state.get() + ")");
        }
        try {
            LOG.info("Starting trainer: {}", config);
            learnerThread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "streamalign-learner-" + config.modelName());
                t.setDaemon(true);
                return t;
            });
            producer = new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
            // Fences any older trainer with this transactional id and aborts its open transaction:
            // from here on, the newest committed snapshot cannot change under us.
            producer.initTransactions();
            Optional<SnapshotReader.Latest> latest = SnapshotReader.latest(config.kafka().clientProperties(), snapshotTopic,
                    config.modelName(), CLIENT_TIMEOUT);
            if (latest.isPresent()) {
                restore(latest.get());
            } else {
                LOG.info("No snapshot of model {} in {}: starting a fresh learner", config.modelName(), snapshotTopic.name());
                learner = onLearner(() -> factory.create().apply(config.learnerConfig()));
            }
            LearnerConfig learnerConfig = onLearner(() -> learner.config());
            converter = new SampleConverter(learnerConfig);
            try (Admin admin = Admin.create(config.kafka().clientProperties())) {
                limits = SnapshotLimits.describe(admin, snapshotTopic.name(), maxRequestSize(), CLIENT_TIMEOUT);
            }
            // Size check at start: the learner as it is now must fit, or we would learn for nothing.
            SnapshotData probe = onLearner(() -> snapshotData(Map.of("purpose", "size-check")));
            limits.check(modelKey.length + (long) probe.parameters().length + 4096,
                    "a snapshot of model " + config.modelName());
            LOG.info("Snapshot of model {} is {} bytes; limits: max.request.size={}, {} max.message.bytes={}",
                    config.modelName(), probe.parameters().length, limits.maxRequestSize(), snapshotTopic.name(),
                    limits.topicMaxMessageBytes());
            consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            if (config.metricsPort() > 0) {
                http = MetricsServer.start(config.metricsBindAddress(), config.metricsPort(), meters::scrape, this::health);
                LOG.info("Trainer metrics at http://{}:{}/metrics and /health", config.metricsBindAddress(), http.port());
            }
            loopThread = new Thread(this::runLoop, "streamalign-trainer-" + config.modelName());
            state.set(TrainerState.RUNNING);
            loopThread.start();
        } catch (RuntimeException | IOException e) {
            failure = e;
            state.set(TrainerState.FAILED);
            LOG.error("Trainer {} failed to start: {}", config.modelName(), e.toString());
            closeClients(false);
            terminated.countDown();
            if (e instanceof IOException io) throw new UncheckedIOException("cannot start the metrics server: " + io, io);
            throw (RuntimeException) e;
        }
    }

    /**
     * Stops gracefully: finishes the running step, publishes a final snapshot (with the consumed
     * offsets) in a transaction, closes the clients. Waits up to {@code timeout}; true if stopped.
     */
    public boolean stop(Duration timeout) {
        stopRequested = true;
        return awaitTermination(timeout);
    }

    /** {@link #stop(Duration)} with a two-minute limit. */
    public boolean stop() {
        return stop(Duration.ofMinutes(2));
    }

    /**
     * Simulates a crash, for failure tests: stops at once without finishing the step, without a
     * snapshot and without committing anything; the open transaction is left to be aborted by the
     * next trainer's {@code initTransactions()}.
     */
    public boolean crash(Duration timeout) {
        crashRequested = true;
        return awaitTermination(timeout);
    }

    /** Waits until the service has terminated (stopped, fenced, crashed or failed). */
    public boolean awaitTermination(Duration timeout) {
        if (state.get() == TrainerState.CREATED) return true;
        try {
            return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops gracefully (if running) and releases the metrics registry. */
    @Override
    public void close() {
        TrainerState s = state.get();
        if (s == TrainerState.RUNNING || s == TrainerState.STARTING || s == TrainerState.STOPPING) {
            if (!stop()) {
                LOG.warn("Trainer {} did not stop within the time limit; abandoning it", config.modelName());
            }
        }
        if (http != null) http.close();
        meters.close();
    }

    // ------------------------------------------------------------------------------------------
    // status

    public TrainerState state() { return state.get(); }
    public Optional<Throwable> failure() { return Optional.ofNullable(failure); }
    public TrainerConfig config() { return config; }
    /** Version of the last snapshot published or restored (0: none). */
    public long version() { return version; }
    /** The learner's samplesSeen after the last step (restored samples included). */
    public long samplesSeen() { return samplesSeen; }
    /** Samples learned by this instance since start. */
    public long learnedSinceStart() { return learnedSinceStart; }
    public long driftEvents() { return driftEvents; }
    public long deadLetters() { return deadLetters; }
    public long consumerLag() { return consumerLag; }
    /** How often the input partitions were paused because the pending buffer was full. */
    public long pauses() { return pauses; }
    /** The most samples ever buffered at once (bounded by max pending + one poll). */
    public int maxPendingSeen() { return maxPendingSeen; }
    public Optional<StepReport> lastReport() { return Optional.ofNullable(lastReport); }
    /** Fused test-then-train accuracy over the promotion window, NaN before any labeled sample. */
    public double windowAccuracy() { synchronized (window) { return window.windowAccuracy(); } }
    /** Version of the snapshot restored at start, if any. */
    public Optional<Long> restoredVersion() { return restoredVersion; }
    /** Offsets the consumer was sought to from the restored snapshot, per assigned partition. */
    public Map<TopicPartition, Long> restoredOffsets() { return restoredOffsets; }
    /** Committed offsets of the group seen at assignment, per assigned partition (-1: none). */
    public Map<TopicPartition, Long> committedAtAssignment() { return committedAtAssignment; }
    /** The Prometheus text of the trainer's meters. */
    public String scrapeMetrics() { return meters.scrape(); }
    /** The bound port of the metrics server, if one runs. */
    public Optional<Integer> metricsPort() { return http == null ? Optional.empty() : Optional.of(http.port()); }

    /** What {@code /health} answers. */
    public MetricsServer.Health health() {
        TrainerState s = state.get();
        boolean healthy = s == TrainerState.RUNNING || s == TrainerState.STARTING;
        StringBuilder j = new StringBuilder(256);
        j.append("{\"status\":\"").append(healthy ? "UP" : "DOWN").append('"')
                .append(",\"state\":\"").append(s).append('"')
                .append(",\"model\":").append(jsonString(config.modelName()))
                .append(",\"version\":").append(version)
                .append(",\"samplesSeen\":").append(samplesSeen)
                .append(",\"consumerLag\":").append(consumerLag)
                .append(",\"driftEvents\":").append(driftEvents)
                .append(",\"deadLetters\":").append(deadLetters);
        Throwable f = failure;
        if (f != null) j.append(",\"error\":").append(jsonString(f.toString()));
        return new MetricsServer.Health(healthy, j.append('}').toString());
    }

    // ------------------------------------------------------------------------------------------
    // start-up

    private void restore(SnapshotReader.Latest latest) {
        ModelSnapshot s = latest.newest();
        byte[] params = bytes(s.getParameters());
        String sha = sha256(params);
        if (!sha.equalsIgnoreCase(s.getSha256())) {
            throw new IllegalStateException("snapshot v" + s.getVersion() + " of model " + config.modelName()
                    + " is corrupt: sha256 " + sha + " != recorded " + s.getSha256());
        }
        learner = onLearner(() -> factory.restore().apply(params));
        LearnerConfig restoredConfig = onLearner(() -> learner.config());
        if (!restoredConfig.compatibleWith(config.learnerConfig())) {
            LOG.warn("Model {} restored from v{} keeps its own learner config, which differs in shapes from the configured one",
                    config.modelName(), s.getVersion());
        }
        version = s.getVersion();
        restoredVersion = Optional.of(s.getVersion());
        for (TopicPartitionOffset o : s.getSourceOffsets()) {
            modelOffsets.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
        }
        samplesSeen = onLearner(() -> learner.samplesSeen());
        meters.setSamplesSeen(samplesSeen);
        double baseline = latest.lastPromoted().map(p -> p.getMetrics().getOrDefault(metricKey("gate.accuracy"), Double.NaN))
                .orElse(Double.NaN);
        double baselineSamples = latest.lastPromoted().map(p -> p.getMetrics().getOrDefault(metricKey("gate.samples"), Double.NaN))
                .orElse(Double.NaN);
        gate.restore(latest.lastPromoted().isPresent(), baseline,
                Double.isNaN(baselineSamples) ? Long.MAX_VALUE : (long) baselineSamples);
        lastSnapshotBytes = params.length;
        meters.onSnapshot(version, params.length, s.getPromoted());
        LOG.info("Restored model {} from snapshot v{} ({} bytes, {} samples seen, promoted={}, {} snapshots read); "
                        + "resuming at offsets {}", config.modelName(), s.getVersion(), params.length, samplesSeen,
                s.getPromoted(), latest.snapshotsRead(), new TreeMap<>(stringKeys(modelOffsets)));
    }

    private int maxRequestSize() {
        Object fromFile = config.kafka().clientProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return fromFile != null ? Integer.parseInt(fromFile.toString().trim()) : config.snapshotMaxRequestBytes();
    }

    private Properties producerProperties() {
        Properties p = config.kafka().clientProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-producer");
        int maxRequest = maxRequestSize();
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRequest));
        long buffer = Math.max(32L * 1024 * 1024, maxRequest + 8L * 1024 * 1024);
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(buffer));
        // A transaction stays open from the first dead letter to the next snapshot (at most T).
        long txTimeout = Math.min(900_000L, Math.max(60_000L, 2 * config.snapshotEvery().toMillis() + 30_000L));
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(txTimeout));
        return p;
    }

    private Properties consumerProperties() {
        Properties p = config.kafka().clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-consumer");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.max(1, config.batchSize())));
        return p;
    }

    // ------------------------------------------------------------------------------------------
    // the loop

    private void runLoop() {
        TrainerState outcome = TrainerState.STOPPED;
        try {
            consumer.subscribe(List.of(pairedTopic.name(), supportTopic.name()), new Rebalance());
            lastSnapshotNanos = System.nanoTime();
            while (!stopRequested && !crashRequested) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(pollTimeoutMs()));
                if (fencedInCallback != null) throw fencedInCallback;
                long now = nowMs();
                for (ConsumerRecord<byte[], byte[]> r : records) accept(r, now);
                runLearnerCallbacks();
                completeStep(false);
                maybeStartStep(nowMs());
                backpressure();
                updateLag();
                if (snapshotDue()) publishSnapshot("periodic");
            }
            if (crashRequested) {
                outcome = TrainerState.CRASHED;
                LOG.warn("Trainer {} crashing on request: no final snapshot, nothing committed", config.modelName());
            } else {
                state.set(TrainerState.STOPPING);
                completeStep(true);
                publishSnapshot("final");
                LOG.info("Trainer {} stopped after a final snapshot (v{}, {} samples seen)", config.modelName(), version,
                        samplesSeen);
            }
        } catch (Throwable t) {
            if (isFenced(t)) {
                outcome = TrainerState.FENCED;
                LOG.error("Trainer {} was FENCED: another trainer with transactional.id '{}' has started and taken over "
                        + "this model; stopping without publishing (its work since snapshot v{} is discarded and will be "
                        + "redone by the new trainer). Cause: {}", config.modelName(), config.transactionalId(), version, t.toString());
            } else {
                outcome = TrainerState.FAILED;
                failure = t;
                LOG.error("Trainer {} failed; stopping without committing", config.modelName(), t);
            }
        } finally {
            closeClients(outcome != TrainerState.STOPPED);
            state.set(outcome);
            terminated.countDown();
        }
    }

    private long pollTimeoutMs() {
        if (inFlight != null) return 5;
        long now = nowMs();
        long untilBatch = pending.millisUntilDue(now);
        long untilSnapshot = config.snapshotEvery().toMillis() - (System.nanoTime() - lastSnapshotNanos) / 1_000_000;
        return Math.max(1, Math.min(100, Math.min(untilBatch, workSinceSnapshot ? Math.max(0, untilSnapshot) : 100)));
    }

    private void accept(ConsumerRecord<byte[], byte[]> r, long now) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (r.topic().equals(pairedTopic.name())) {
            try {
                if (r.value() == null) throw new IllegalArgumentException("record has no value");
                Sample s = converter.toSample(pairedSerde.decode(r.value()));
                pending.add(new Pending(tp, r.offset(), s, r.key(), r.value()), now);
            } catch (RuntimeException e) {
                deadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), e, "trainer.decode");
            }
        } else if (r.topic().equals(supportTopic.name())) {
            SampleConverter.Enrollment en;
            try {
                if (r.value() == null) throw new IllegalArgumentException("record has no value");
                en = converter.toEnrollment(supportSerde.decode(r.value()));
            } catch (RuntimeException e) {
                deadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), e, "trainer.decode");
                return;
            }
            workSinceSnapshot = true;
            learnerThread.submit(() -> {
                try {
                    learner.enroll(en.className(), en.modality(), en.examples());
                    LOG.info("Enrolled class '{}' from a {} example ({}-{}@{})", en.className(), en.modality(),
                            r.topic(), r.partition(), r.offset());
                } catch (RuntimeException e) {
                    fromLearnerThread.add(() -> deadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), e,
                            "trainer.enroll"));
                }
            });
        }
    }

    private void runLearnerCallbacks() {
        Runnable r;
        while ((r = fromLearnerThread.poll()) != null) r.run();
    }

    private void maybeStartStep(long now) {
        if (inFlight != null || !pending.isDue(now)) return;
        List<Pending> batch = pending.take();
        List<Sample> samples = new ArrayList<>(batch.size());
        for (Pending p : batch) samples.add(p.sample());
        inFlight = new InFlight(batch, learnerThread.submit(() -> step(samples)));
        meters.setPending(pending.size());
    }

    /**
     * One test-then-train step, on the learner thread. The prequential test is the learner's own: it
     * predicts every labeled sample before learning ({@link StepReport#prequentialCorrect}); the window
     * accuracy, promotion and drift detection use those outcomes (predicting the batch here first, as
     * before, encoded every sample twice: about a fifth of the step).
     */
    private StepResult step(List<Sample> samples) {
        long t0 = System.nanoTime();
        StepReport report = learner.learn(samples);
        long nanos = System.nanoTime() - t0;
        boolean[] correct = null;
        List<Boolean> outcomes = report == null ? null : report.prequentialCorrect();
        if (outcomes != null) {
            int n = 0;
            for (Boolean c : outcomes) if (c != null) n++;
            if (n > 0) {
                correct = new boolean[n];
                int i = 0;
                for (Boolean c : outcomes) if (c != null) correct[i++] = c;
            }
        }
        return new StepResult(report, correct, nanos);
    }

    private void completeStep(boolean wait) {
        InFlight f = inFlight;
        if (f == null || (!wait && !f.future().isDone())) return;
        inFlight = null;
        StepResult result;
        try {
            result = f.future().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a learn step", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            LOG.error("Learn step of {} samples failed; sending them to the dead-letter topic: {}", f.batch().size(), cause.toString());
            for (Pending p : f.batch()) {
                deadLetter(p.tp().topic(), p.tp().partition(), p.offset(), p.key(), p.value(), cause, "trainer.learn");
            }
            return;
        }
        StepReport r = result.report();
        workSinceSnapshot = true;
        samplesSinceSnapshot += f.batch().size();
        learnedSinceStart += f.batch().size();
        samplesSeen = r.samplesSeen();
        lastReport = r;
        meters.onStep(r, result.stepNanos());
        if (result.correct() != null) {
            boolean drifted = false;
            synchronized (window) {
                for (boolean c : result.correct()) {
                    window.add(c);
                    // Page-Hinkley on the prequential error stream (1 = wrong).
                    drifted |= drift.update(c ? 0.0 : 1.0);
                }
                meters.setWindowAccuracy(window.windowAccuracy());
            }
            if (drifted) onDrift();
        }
    }

    private void onDrift() {
        driftEvents++;
        meters.onDrift();
        LOG.warn("Concept drift detected on model {} (Page-Hinkley on the prequential error; event #{}, at {} samples)",
                config.modelName(), driftEvents, samplesSeen);
        learnerThread.submit(() -> {
            // The OnlineLearner contract has no drift hook yet: call a public no-argument onDrift() if the
            // learner has one (e.g. to reset prototypes or re-enter PMR's warm-up window).
            try {
                learner.getClass().getMethod("onDrift").invoke(learner);
            } catch (NoSuchMethodException e) {
                LOG.debug("{} has no onDrift() hook", learner.getClass().getName());
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warn("The learner's onDrift() hook failed: {}", e.toString());
            }
        });
    }

    private void backpressure() {
        maxPendingSeen = Math.max(maxPendingSeen, pending.size());
        if (!paused && pending.isFull()) {
            Set<TopicPartition> input = new HashSet<>();
            for (TopicPartition tp : consumer.assignment()) if (tp.topic().equals(pairedTopic.name())) input.add(tp);
            consumer.pause(input);
            paused = true;
            pauses++;
            meters.setPaused(true);
            LOG.debug("Pending buffer full ({} samples): paused {}", pending.size(), input);
        } else if (paused && pending.hasDrained()) {
            consumer.resume(consumer.paused());
            paused = false;
            meters.setPaused(false);
            LOG.debug("Pending buffer drained ({} samples): resumed", pending.size());
        }
        meters.setPending(pending.size());
    }

    private void updateLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            var l = consumer.currentLag(tp);
            if (l.isPresent()) lag += l.getAsLong();
        }
        consumerLag = lag;
        meters.setLag(lag);
    }

    private boolean snapshotDue() {
        if (!workSinceSnapshot) return false;
        return samplesSinceSnapshot >= config.snapshotEverySamples()
                || System.nanoTime() - lastSnapshotNanos >= config.snapshotEvery().toNanos();
    }

    // ------------------------------------------------------------------------------------------
    // transactions

    /**
     * Publishes a snapshot, a metrics record and the consumed offsets in one transaction. The
     * offsets are, per assigned partition, the first record not yet learned (pending) or else the
     * consumer's position.
     */
    private void publishSnapshot(String reason) {
        completeStep(true);
        runLearnerCallbacks();
        if (!workSinceSnapshot) return;
        Map<TopicPartition, Long> offsets = currentOffsets();
        Map<TopicPartition, Long> source = new HashMap<>(modelOffsets);
        source.putAll(offsets);
        long newVersion = version + 1;
        long createdAt = System.currentTimeMillis();
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("modelName", config.modelName());
        provenance.put("version", Long.toString(newVersion));
        provenance.put("createdAtMs", Long.toString(createdAt));
        provenance.put("sourceOffsets", new TreeMap<>(stringKeys(source)).toString());
        provenance.put("trainer", config.transactionalId());
        provenance.put("buildVersion", BuildInfo.VERSION);
        SnapshotData d = onLearner(() -> snapshotData(provenance));
        runLearnerCallbacks(); // enrollment failures surfaced while we waited
        double accuracy;
        int windowSamples;
        synchronized (window) {
            accuracy = window.windowAccuracy();
            windowSamples = window.size();
        }
        PromotionGate.Decision decision = gate.decide(accuracy, windowSamples);
        Map<String, Double> metrics = new TreeMap<>();
        StepReport r = lastReport;
        if (r != null && r.prequentialAccuracy() != null) {
            r.prequentialAccuracy().forEach((k, v) -> { if (v != null) metrics.put(metricKey("prequential." + k), v); });
        }
        if (!Double.isNaN(accuracy)) {
            metrics.put(metricKey("gate.accuracy"), accuracy);
            metrics.put(metricKey("gate.samples"), (double) windowSamples);
        }
        if (!Double.isNaN(decision.baseline())) metrics.put(metricKey("gate.baseline"), decision.baseline());
        metrics.put(metricKey("driftEvents"), (double) driftEvents);
        List<TopicPartitionOffset> sourceOffsets = new ArrayList<>();
        source.entrySet().stream()
                .sorted((a, b) -> a.getKey().toString().compareTo(b.getKey().toString()))
                .forEach(e -> sourceOffsets.add(TopicPartitionOffset.newBuilder().setTopic(e.getKey().topic())
                        .setPartition(e.getKey().partition()).setOffset(e.getValue()).build()));
        ModelSnapshot snapshot = ModelSnapshot.newBuilder()
                .setModelName(config.modelName())
                .setVersion(newVersion)
                .setFormatVersion(d.formatVersion())
                .setCreatedAtMs(createdAt)
                .setConfigJson(d.configJson())
                .setParameters(ByteBuffer.wrap(d.parameters()))
                .setSha256(sha256(d.parameters()))
                .setClasses(d.classes())
                .setModalities(d.modalities())
                .setMetrics(metrics)
                .setPromoted(decision.promoted())
                .setSourceOffsets(sourceOffsets)
                .setSamplesSeen(d.samplesSeen())
                .setLearnerClass(d.learnerClass())
                .setBuildVersion(BuildInfo.VERSION)
                .build();
        byte[] value = snapshotSerde.serialize(snapshotTopic.name(), snapshot);
        String what = "snapshot v" + newVersion + " of model " + config.modelName();
        limits.check(modelKey.length + (long) value.length, what);
        TrainerMetrics tm = trainerMetrics(newVersion, createdAt, d, r, value.length);
        try {
            beginIfNeeded();
            producer.send(new ProducerRecord<>(snapshotTopic.name(), modelKey, value));
            producer.send(new ProducerRecord<>(metricsTopic.name(), modelKey, metricsSerde.serialize(metricsTopic.name(), tm)));
            producer.sendOffsetsToTransaction(toCommit(offsets), consumer.groupMetadata());
            producer.commitTransaction();
        } catch (KafkaException e) {
            if (isFenced(e)) throw e;
            abortAfter(e, what);
            return;
        }
        inTransaction = false;
        uncommittedDeadLetters.clear();
        version = newVersion;
        modelOffsets.clear();
        modelOffsets.putAll(source);
        gate.accept(decision);
        lastPromoted = decision.promoted();
        samplesSinceSnapshot = 0;
        workSinceSnapshot = false;
        lastSnapshotNanos = System.nanoTime();
        lastSnapshotBytes = d.parameters().length;
        samplesSeen = d.samplesSeen();
        meters.setSamplesSeen(samplesSeen);
        meters.onSnapshot(newVersion, d.parameters().length, decision.promoted());
        LOG.info("Published {} ({}): {} bytes, {} samples seen, window accuracy {}, promoted={} (baseline {}), offsets {}",
                what, reason, d.parameters().length, d.samplesSeen(), fmt(accuracy), decision.promoted(),
                fmt(decision.baseline()), new TreeMap<>(stringKeys(offsets)));
    }

    /**
     * On a revoke with nothing new to snapshot, a transaction with only a metrics record and the
     * unchanged offsets: it finds out whether this trainer has been fenced by a newer one.
     */
    private void probeTransaction() {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        Set<TopicPartition> assigned = consumer.assignment();
        modelOffsets.forEach((tp, o) -> { if (assigned.contains(tp)) offsets.put(tp, o); });
        TrainerMetrics tm = trainerMetrics(version, System.currentTimeMillis(), null, lastReport, lastSnapshotBytes);
        try {
            beginIfNeeded();
            producer.send(new ProducerRecord<>(metricsTopic.name(), modelKey, metricsSerde.serialize(metricsTopic.name(), tm)));
            if (!offsets.isEmpty()) producer.sendOffsetsToTransaction(toCommit(offsets), consumer.groupMetadata());
            producer.commitTransaction();
            inTransaction = false;
            uncommittedDeadLetters.clear();
        } catch (KafkaException e) {
            if (isFenced(e)) throw e;
            abortAfter(e, "probe transaction");
        }
    }

    private void abortAfter(KafkaException e, String what) {
        LOG.warn("Transaction for {} failed ({}); aborting it and retrying with the next snapshot", what, e.toString());
        try {
            producer.abortTransaction();
        } catch (KafkaException abort) {
            if (isFenced(abort)) throw abort;
            throw new IllegalStateException("cannot abort the failed transaction for " + what, abort);
        }
        inTransaction = false;
        // The dead letters of the aborted transaction are sent again in the next one.
    }

    private void beginIfNeeded() {
        if (inTransaction) return;
        producer.beginTransaction();
        inTransaction = true;
        for (ProducerRecord<byte[], byte[]> r : uncommittedDeadLetters) producer.send(r);
    }

    private void deadLetter(String topic, int partition, long offset, byte[] key, byte[] value, Throwable error, String stage) {
        DeadLetter letter = DeadLetters.of(topic, partition, offset, key, value, error, stage);
        String dlq = topic + Topic.DLQ_SUFFIX;
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(dlq, key, deadLetterSerde.serialize(dlq, letter));
        beginIfNeeded();
        producer.send(record);
        uncommittedDeadLetters.add(record);
        deadLetters++;
        workSinceSnapshot = true;
        meters.onDeadLetter();
        LOG.warn("Dead letter {}-{}@{} -> {} ({}): {}", topic, partition, offset, dlq, stage, error.toString());
    }

    private Map<TopicPartition, Long> currentOffsets() {
        Map<TopicPartition, Long> firstPending = new HashMap<>();
        pending.forEach(p -> firstPending.merge(p.tp(), p.offset(), Math::min));
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            Long first = firstPending.get(tp);
            out.put(tp, first != null ? first : consumer.position(tp, CLIENT_TIMEOUT));
        }
        return out;
    }

    private static Map<TopicPartition, OffsetAndMetadata> toCommit(Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        offsets.forEach((tp, o) -> out.put(tp, new OffsetAndMetadata(o)));
        return out;
    }

    private TrainerMetrics trainerMetrics(long v, long timeMs, SnapshotData d, StepReport r, long snapshotBytes) {
        double elapsedSec = Math.max(1e-3, (System.nanoTime() - lastSnapshotNanos) / 1e9);
        Map<String, Double> acc = new TreeMap<>();
        Map<String, Double> losses = new TreeMap<>();
        if (r != null) {
            if (r.prequentialAccuracy() != null) r.prequentialAccuracy().forEach((k, x) -> { if (x != null) acc.put(k, x); });
            if (r.losses() != null) r.losses().forEach((k, x) -> { if (x != null) losses.put(k, x); });
        }
        synchronized (window) {
            if (!Double.isNaN(window.windowAccuracy())) acc.put("window." + FUSED, window.windowAccuracy());
        }
        return TrainerMetrics.newBuilder()
                .setModelName(config.modelName())
                .setVersion(v)
                .setTimeMs(timeMs)
                .setSamplesSeen(d != null ? d.samplesSeen() : samplesSeen)
                .setSamplesPerSec(samplesSinceSnapshot / elapsedSec)
                .setPrequentialAccuracy(acc)
                .setRho(r == null ? Double.NaN : r.rho())
                .setBeta(r == null ? Double.NaN : r.beta())
                .setGamma(r == null ? Double.NaN : r.gamma())
                .setLosses(losses)
                .setSkippedNonFinite(r == null ? 0 : r.skippedNonFinite())
                .setDriftEvents(driftEvents)
                .setConsumerLag(consumerLag)
                .setSnapshotBytes(snapshotBytes)
                .build();
    }

    /** Serializes the learner and gathers what the snapshot record says about it; on the learner thread. */
    private SnapshotData snapshotData(Map<String, String> provenance) {
        byte[] params = learner.snapshot(provenance);
        LearnerConfig c = learner.config();
        List<io.streamalign.schemas.avro.Modality> modalities = new ArrayList<>();
        for (Modality m : EnumSet.allOf(Modality.class)) {
            if (c.featureSize(m) > 0) modalities.add(io.streamalign.schemas.avro.Modality.valueOf(m.name()));
        }
        return new SnapshotData(params, learner.samplesSeen(), new ArrayList<>(learner.classes()), c.toJson(),
                learner.getClass().getName(), formatVersionOf(learner, params), modalities);
    }

    /**
     * The snapshot byte format version: what {@link CrossModalLearner} records in its snapshot's
     * provenance; for another learner a public static int {@code FORMAT_VERSION}, else 1.
     */
    private static int formatVersionOf(OnlineLearner l, byte[] params) {
        try {
            if (l instanceof CrossModalLearner) {
                String v = CrossModalLearner.provenanceOf(params).get("formatVersion");
                if (v != null) return Integer.parseInt(v.trim());
            }
            return l.getClass().getField("FORMAT_VERSION").getInt(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return 1;
        }
    }

    // ------------------------------------------------------------------------------------------
    // rebalances

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty() || fencedInCallback != null || crashRequested) return;
            try {
                // Publish what was learned before letting go, so no work is lost to the next owner.
                if (inFlight != null || workSinceSnapshot) {
                    publishSnapshot("rebalance");
                } else {
                    probeTransaction();
                }
            } catch (RuntimeException e) {
                if (isFenced(e)) {
                    fencedInCallback = e;
                } else {
                    LOG.warn("Could not publish a snapshot before giving up partitions {}: {}", partitions, e.toString());
                }
            }
            pending.removeIf(p -> partitions.contains(p.tp()));
            LOG.info("Partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Not ours any more and nothing can be committed for them: drop their pending samples.
            pending.removeIf(p -> partitions.contains(p.tp()));
            LOG.warn("Partitions lost: {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions), CLIENT_TIMEOUT);
            Map<TopicPartition, Long> sought = new HashMap<>(restoredOffsets);
            Map<TopicPartition, Long> seen = new HashMap<>(committedAtAssignment);
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                long committedOffset = c == null ? -1 : c.offset();
                seen.put(tp, committedOffset);
                Long model = modelOffsets.get(tp);
                if (model != null) {
                    consumer.seek(tp, model);
                    sought.put(tp, model);
                    if (model != committedOffset) {
                        LOG.warn("{}: the model's offset {} differs from the group's committed offset {}; resuming at the "
                                + "model's, so each record is learned exactly once", tp, model, committedOffset);
                    }
                } else if (committedOffset >= 0) {
                    LOG.warn("{}: committed offset {} but the model records none; resuming at the committed offset", tp,
                            committedOffset);
                }
            }
            restoredOffsets = Collections.unmodifiableMap(sought);
            committedAtAssignment = Collections.unmodifiableMap(seen);
            if (paused) {
                Set<TopicPartition> input = new HashSet<>();
                for (TopicPartition tp : partitions) if (tp.topic().equals(pairedTopic.name())) input.add(tp);
                consumer.pause(input);
            }
            LOG.info("Partitions assigned: {} (committed {})", partitions, stringKeys(seen));
        }
    }

    // ------------------------------------------------------------------------------------------
    // helpers

    private void closeClients(boolean abruptly) {
        Duration t = abruptly ? Duration.ZERO : Duration.ofSeconds(30);
        if (consumer != null) {
            try {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(t));
            } catch (RuntimeException e) {
                LOG.debug("consumer close: {}", e.toString());
            }
        }
        if (producer != null) {
            try {
                producer.close(t);
            } catch (RuntimeException e) {
                LOG.debug("producer close: {}", e.toString());
            }
        }
        if (learnerThread != null) {
            learnerThread.shutdownNow();
            try {
                learnerThread.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // Every learner task has ended, so closing it from this thread is safe.
            if (learner != null) {
                try {
                    learner.close();
                } catch (RuntimeException e) {
                    LOG.debug("learner close: {}", e.toString());
                }
            }
        }
    }

    private <T> T onLearner(Callable<T> task) {
        try {
            return learnerThread.submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the learner", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    static boolean isFenced(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProducerFencedException || c instanceof InvalidProducerEpochException) return true;
            if (c.getCause() == c) break;
        }
        return false;
    }

    private static String metricKey(String name) {
        return name;
    }

    private static Map<String, Long> stringKeys(Map<TopicPartition, Long> m) {
        Map<String, Long> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k.toString(), v));
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    private record Pending(TopicPartition tp, long offset, Sample sample, byte[] key, byte[] value) {}

    private record InFlight(List<Pending> batch, Future<StepResult> future) {}

    private record StepResult(StepReport report, boolean[] correct, long stepNanos) {}

    private record SnapshotData(byte[] parameters, long samplesSeen, List<String> classes, String configJson,
                                String learnerClass, int formatVersion,
                                List<io.streamalign.schemas.avro.Modality> modalities) {}

    /** The build version, from a resource Maven filters at build time. */
    static final class BuildInfo {
        static final String VERSION = load();

        private static String load() {
            try (InputStream in = TrainerService.class.getResourceAsStream("/io/streamalign/trainer/build.properties")) {
                if (in == null) return "unknown";
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
