package io.streamalign.app.dashboard;

import io.streamalign.features.FeatureSet;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.SupportExample;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * Few-shot enrollment from the dashboard's form: k uploaded examples (WAV audio or PNG/JPEG images)
 * of a new class are featurized exactly as pairing does and published as {@code SupportExample}s
 * to the support topic, where serving enrolls the class at once and the trainer learns it.
 */
public final class Enroller implements AutoCloseable {

    /** Largest number of examples one request may carry. */
    public static final int MAX_EXAMPLES = 50;

    private final KafkaProducer<String, SupportExample> producer;
    private final Topic<String, SupportExample> topic;
    /** The featurizers pairing uses (and serving's POST /predict). */
    private final FeatureSet features = FeatureSet.defaults();

    public Enroller(Properties clientProperties, Topics topics) {
        this.topic = topics.support();
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "streamalign-dashboard-enroll");
        this.producer = new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /**
     * Featurizes and publishes the examples; all or none: a bad file fails the whole request with a
     * message naming it, before anything is sent.
     *
     * @return the number of examples published
     */
    public int enroll(String className, String modality, List<byte[]> files) throws Exception {
        if (className == null || className.isBlank() || className.length() > 200) {
            throw new IllegalArgumentException("a class name (1-200 characters) is needed");
        }
        if (files.isEmpty() || files.size() > MAX_EXAMPLES) {
            throw new IllegalArgumentException("between 1 and " + MAX_EXAMPLES + " examples are needed, got " + files.size());
        }
        Modality m;
        try {
            m = Modality.valueOf(modality);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("modality must be AUDIO or VIDEO, got " + modality);
        }
        List<SupportExample> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < files.size(); i++) {
            float[] f;
            int[] shape;
            try {
                if (m == Modality.AUDIO) {
                    f = features.wav(files.get(i));
                    shape = features.audioShape();
                } else if (m == Modality.VIDEO) {
                    f = features.image(files.get(i));
                    shape = features.videoShape();
                } else {
                    throw new IllegalArgumentException("modality must be AUDIO or VIDEO, got " + modality);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("example " + (i + 1) + ": " + e.getMessage(), e);
            }
            out.add(SupportExample.newBuilder().setExampleId(className + "-" + UUID.randomUUID())
                    .setClassName(className).setModality(m).setFeatures(FeatureTensors.of(f, shape))
                    .setEventTimeMs(now).build());
        }
        for (SupportExample s : out) {
            producer.send(new ProducerRecord<>(topic.name(), className, s));
        }
        producer.flush();
        return out.size();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }

}
