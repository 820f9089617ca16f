package io.streamalign.chaos.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topics;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fuzzer's byte-level mutations break decoding with the services' own decoder. */
class InputFuzzerTest {

  private static InputFuzzer fuzzer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", "127.0.0.1:1"); // never contacted: nothing is sent here
    return new InputFuzzer(p, Topics.defaults(), 3);
  }

  @Test
  void everyByteMutationOfEveryInputTypeIsRejectedByItsDecoder() {
    Moments m = new Moments(new Random(1));
    List<Object[]> cases =
        List.of(
            new Object[] {Moments.VIDEO, Moments.VIDEO.encode(m.frame("s", 1, 1000, 0))},
            new Object[] {Moments.AUDIO, Moments.AUDIO.encode(m.audio("s", 1, 1000, 1))},
            new Object[] {Moments.TEXT, Moments.TEXT.encode(m.text("s", 1, 1000, 2))},
            new Object[] {Moments.LABEL, Moments.LABEL.encode(m.label("s", 1000, 3))});
    try (InputFuzzer f = fuzzer()) {
      for (Mutation kind :
          List.of(
              Mutation.BIT_FLIP,
              Mutation.TRUNCATED,
              Mutation.WRONG_FINGERPRINT,
              Mutation.GARBAGE,
              Mutation.EMPTY_VALUE)) {
        for (Object[] c : cases) {
          AvroSerde<?> serde = (AvroSerde<?>) c[0];
          byte[] valid = (byte[]) c[1];
          serde.decode(valid); // the base record is valid
          int brokenByMutationAlone = 0;
          for (int i = 0; i < 40; i++) {
            try {
              serde.decode(f.mutate(kind, valid));
            } catch (RuntimeException e) {
              brokenByMutationAlone++;
            }
            byte[] bad = InputFuzzer.undecodable(serde, () -> f.mutate(kind, valid));
            assertThrows(RuntimeException.class, () -> serde.decode(bad), kind + " of " + serde);
          }
          assertTrue(
              brokenByMutationAlone >= 20,
              kind
                  + " of "
                  + serde
                  + " broke only "
                  + brokenByMutationAlone
                  + " of 40 encodings by itself");
        }
      }
    }
  }
}
