package io.streamalign.schemas;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;

/** Realistic instances of every record type, deterministic per seed. */
final class SampleRecords {
  private final Random rnd;
  private final long t0 = 1_795_000_000_000L;

  SampleRecords(long seed) {
    rnd = new Random(seed);
  }

  /** One instance of each top-level record, in {@link KnownSchemas#RECORDS} order. */
  List<SpecificRecord> all() {
    return List.of(
        videoFrame(),
        audioChunk(),
        textSegment(),
        labelEvent(),
        pairedSample(),
        supportExample(),
        prediction(),
        modelSnapshot(),
        trainerMetrics(),
        deadLetter());
  }

  /** A 28x28 grey frame with a bright blob, like an MNIST digit. */
  VideoFrame videoFrame() {
    byte[] px = new byte[28 * 28];
    int cx = 10 + rnd.nextInt(8);
    int cy = 10 + rnd.nextInt(8);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        double d = StrictMath.hypot(x - cx, y - cy);
        px[y * 28 + x] = (byte) Math.max(0, 255 - (int) (d * 40));
      }
    }
    return VideoFrame.newBuilder()
        .setStreamId("cam-" + rnd.nextInt(4))
        .setSeq(rnd.nextInt(100_000))
        .setEventTimeMs(t0 + rnd.nextInt(1_000_000))
        .setWidth(28)
        .setHeight(28)
        .setChannels(1)
        .setEncoding(FrameEncoding.RAW8)
        .setData(ByteBuffer.wrap(px))
        .build();
  }

  /** 250 ms of a 440 Hz tone, 8 kHz mono PCM16 little-endian. */
  AudioChunk audioChunk() {
    int rate = 8000;
    int n = rate / 4;
    ByteBuffer pcm = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      pcm.putShort(
          (short)
              (12000 * StrictMath.sin(2 * Math.PI * 440 * i / rate) + rnd.nextGaussian() * 200));
    }
    pcm.flip();
    return AudioChunk.newBuilder()
        .setStreamId("cam-1")
        .setSeq(42)
        .setEventTimeMs(t0 + 250)
        .setSampleRate(rate)
        .setChannels(1)
        .setData(pcm)
        .build();
  }

  TextSegment textSegment() {
    return TextSegment.newBuilder()
        .setStreamId("cam-1")
        .setSeq(7)
        .setEventTimeMs(t0 + 500)
        .setText("the speaker says seven, très bien \u4e03")
        .setLanguage("fr")
        .build();
  }

  LabelEvent labelEvent() {
    return LabelEvent.newBuilder()
        .setStreamId("cam-1")
        .setClassName("7")
        .setModality(Modality.AUDIO)
        .setStartTimeMs(t0)
        .setEndTimeMs(t0 + 1000)
        .setEventTimeMs(t0 + 1001)
        .build();
  }

  float[] gaussian(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }

  PairedSample pairedSample() {
    return PairedSample.newBuilder()
        .setSampleId("cam-1@" + t0)
        .setStreamId("cam-1")
        .setEventTimeMs(t0)
        .setVideo(FeatureTensors.of(gaussian(784), 1, 28, 28))
        .setAudio(FeatureTensors.of(gaussian(40 * 64), 40, 64))
        .setText(FeatureTensors.of(gaussian(1024), 1024))
        .setCaption("seven")
        .setLabel("7")
        .setLabeledModalities(List.of(Modality.VIDEO, Modality.AUDIO))
        .setPairing(PairingKind.WEAK)
        .setConceptGroup("7")
        .build();
  }

  SupportExample supportExample() {
    return SupportExample.newBuilder()
        .setExampleId("enroll-7-0")
        .setClassName("7")
        .setModality(Modality.AUDIO)
        .setFeatures(FeatureTensors.of(gaussian(40 * 64), 40, 64))
        .setEventTimeMs(t0 + 77)
        .build();
  }

  Prediction prediction() {
    return Prediction.newBuilder()
        .setSampleId("cam-1@" + t0)
        .setStreamId("cam-1")
        .setLabel("7")
        .setScore(0.81)
        .setTopK(
            List.of(
                new ClassScore("7", 0.81), new ClassScore("1", 0.12), new ClassScore("9", 0.04)))
        .setModalitiesUsed(List.of(Modality.VIDEO, Modality.AUDIO))
        .setModelName("crossmodal")
        .setModelVersion(12)
        .setEventTimeMs(t0)
        .setPublishTimeMs(t0 + 35)
        .setLatencyMs(35)
        .setTrueLabel("7")
        .build();
  }

  ModelSnapshot modelSnapshot() {
    byte[] params = new byte[8 * 1024];
    rnd.nextBytes(params);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("acc.VIDEO", 0.93);
    metrics.put("acc.AUDIO", 0.71);
    metrics.put("acc.fused", 0.95);
    return ModelSnapshot.newBuilder()
        .setModelName("crossmodal")
        .setVersion(12)
        .setFormatVersion(1)
        .setCreatedAtMs(t0 + 60_000)
        .setConfigJson("{\"embeddingDim\":128,\"seed\":7}")
        .setParameters(ByteBuffer.wrap(params))
        .setSha256(sha256(params))
        .setClasses(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
        .setModalities(List.of(Modality.VIDEO, Modality.AUDIO, Modality.TEXT))
        .setMetrics(metrics)
        .setPromoted(true)
        .setSourceOffsets(
            List.of(
                new TopicPartitionOffset("av.paired", 0, 12345L),
                new TopicPartitionOffset("av.paired", 1, 12001L)))
        .setSamplesSeen(24_346)
        .setLearnerClass("io.streamalign.model.CrossModalLearner")
        .setBuildVersion("0.1.0-SNAPSHOT")
        .build();
  }

  /** A snapshot with 4 MiB of parameters, for size tests. */
  ModelSnapshot largeModelSnapshot() {
    ModelSnapshot s = modelSnapshot();
    byte[] params = new byte[4 * 1024 * 1024];
    rnd.nextBytes(params);
    s.setParameters(ByteBuffer.wrap(params));
    s.setSha256(sha256(params));
    return s;
  }

  TrainerMetrics trainerMetrics() {
    return TrainerMetrics.newBuilder()
        .setModelName("crossmodal")
        .setVersion(12)
        .setTimeMs(t0 + 61_000)
        .setSamplesSeen(24_346)
        .setSamplesPerSec(812.5)
        .setPrequentialAccuracy(Map.of("VIDEO", 0.93, "AUDIO", 0.71, "fused", 0.95))
        .setRho(0.5)
        .setBeta(0.1)
        .setGamma(0.01)
        .setLosses(Map.of("contrastive", 1.73, "classification", 0.22))
        .setSkippedNonFinite(0)
        .setDriftEvents(1)
        .setConsumerLag(310)
        .setSnapshotBytes(65536)
        .build();
  }

  DeadLetter deadLetter() {
    DeadLetter d =
        DeadLetters.of(
            "av.video",
            2,
            991L,
            "cam-1".getBytes(StandardCharsets.UTF_8),
            new byte[] {1, 2, 3, (byte) 0xC3},
            new AvroDecodeException("not Avro single-object encoding"),
            "pairing.decode");
    d.setFailedAtMs(t0 + 3);
    return d;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
