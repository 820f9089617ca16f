package io.streamalign.app.dashboard;

import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.data.Wav;
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
    private final AudioFeaturizer audio = new AudioFeaturizer();
    private final VideoFeaturizer video = new VideoFeaturizer();

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
            m = io.streamalign.records.Modalities.toAvro(io.streamalign.records.Modalities.parse(modality));
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
                    Wav.Audio a = Wav.parse(files.get(i));
                    f = audio.featurize(a.mono(), a.sampleRate());
                    shape = audio.shape();
                } else if (m == Modality.VIDEO) {
                    byte[] b = files.get(i);
                    String enc = b.length > 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 ? "JPEG" : "PNG";
                    f = video.featurize(0, 0, video.config().channels(), enc, b);
                    shape = video.shape();
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
