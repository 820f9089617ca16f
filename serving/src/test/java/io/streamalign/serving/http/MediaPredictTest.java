package io.streamalign.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Wav;
import io.streamalign.features.media.FeatureSet;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.serving.it.DigitData;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.Enrollments;
import io.streamalign.serving.model.ModelHolder;
import io.streamalign.serving.model.ServedModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * POST /predict with real media on a real served model (a CrossModalLearner trained on real MNIST +
 * FSDD pairs): an MNIST digit as a PNG and an FSDD clip as a WAV are answered, and each prediction
 * equals the one for the features pairing computes from the same recording (a RAW8 frame, a PCM16
 * chunk), so HTTP and Kafka featurize alike. Skips, saying why, without the data.
 */
@Timeout(300)
class MediaPredictTest {

  private final HttpClient client = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  private static byte[] png(byte[] gray, int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setDataElements(0, 0, w, h, gray);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, "png", out));
    return out.toByteArray();
  }

  private static byte[] pcm16le(short[] pcm) {
    ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : pcm) b.putShort(s);
    return b.array();
  }

  private JsonNode post(int port, String type, byte[] body) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict"))
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return json.readTree(r.body());
  }

  private static String tensor(float[] f, int[] shape) {
    StringBuilder s = new StringBuilder("{\"shape\": [");
    for (int i = 0; i < shape.length; i++) s.append(i == 0 ? "" : ",").append(shape[i]);
    return s.append("], \"data\": \"").append(HttpApi.encode(f)).append("\"}").toString();
  }

  private static List<String> used(JsonNode p) {
    return json(p.get("modalitiesUsed"));
  }

  private static List<String> json(JsonNode array) {
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void answersForAnMnistPngAndAnFsddWavAsForThePairingFeaturesOfTheSameRecordings()
      throws Exception {
    DigitData data = DigitData.loadOrSkip();
    LearnerConfig cfg = DigitData.config();
    int[] digits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CrossModalLearner learner = data.trained(cfg, digits, 1, 5);
    ModelHolder holder = new ModelHolder();
    holder.swap(new ServedModel("digits", 4, learner, Set.of(Modality.VIDEO, Modality.AUDIO)));
    FeatureSet pairing = FeatureSet.defaults();
    try (HttpApi api =
        new HttpApi(
            "127.0.0.1",
            0,
            holder,
            new Enrollments(5),
            new ServingMetrics(holder::version),
            () -> true,
            3)) {
      int image = data.images(7).get(data.images(7).size() - 1); // a held-out t10k image of a 7
      byte[] pixels = data.mnist.image(image);
      byte[] png = png(pixels, data.mnist.cols(), data.mnist.rows());
      JsonNode fromPng = post(api.port(), "image/png", png);
      assertEquals(List.of("VIDEO"), used(fromPng));
      assertEquals(4, fromPng.get("modelVersion").asLong());
      List<String> classes = learner.classes();
      assertTrue(classes.contains(fromPng.get("label").asText()), fromPng + " vs " + classes);
      assertTrue(Double.isFinite(fromPng.get("score").asDouble()));

      // what pairing computes for the same digit sent as a RAW8 frame (the avmnist source)
      float[] raw8 =
          pairing.video().featurize(data.mnist.cols(), data.mnist.rows(), 1, "RAW8", pixels);
      JsonNode fromFeatures =
          post(
              api.port(),
              "application/json",
              ("{\"video\": " + tensor(raw8, pairing.videoShape()) + "}")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(fromFeatures.get("label").asText(), fromPng.get("label").asText());
      assertEquals(fromFeatures.get("score").asDouble(), fromPng.get("score").asDouble(), 1e-5);

      Fsdd.Clip clip = data.clips(3, true).get(0); // a held-out take of "three"
      byte[] wav = Wav.write(clip.pcm(), clip.sampleRate(), 1);
      JsonNode fromWav = post(api.port(), "audio/wav", wav);
      assertEquals(List.of("AUDIO"), used(fromWav));
      assertTrue(classes.contains(fromWav.get("label").asText()), fromWav.toString());
      float[] chunk = pairing.audio().featurizePcm16le(pcm16le(clip.pcm()), clip.sampleRate(), 1);
      JsonNode fromChunk =
          post(
              api.port(),
              "application/json",
              ("{\"audio\": " + tensor(chunk, pairing.audioShape()) + "}")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(fromChunk.get("label").asText(), fromWav.get("label").asText());
      assertEquals(fromChunk.get("score").asDouble(), fromWav.get("score").asDouble(), 1e-5);

      // both media in one JSON body
      String both =
          "{\"sampleId\": \"cam-1#9\", \"image\": \""
              + Base64.getEncoder().encodeToString(png)
              + "\", \"wav\": \""
              + Base64.getEncoder().encodeToString(wav)
              + "\"}";
      JsonNode fused =
          post(
              api.port(),
              "application/json",
              both.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(List.of("VIDEO", "AUDIO"), used(fused));
      assertEquals("cam-1#9", fused.get("sampleId").asText());
    } finally {
      holder.close();
    }
  }
}
