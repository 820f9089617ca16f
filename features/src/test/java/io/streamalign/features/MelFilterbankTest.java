package io.streamalign.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MelFilterbankTest {

  @Test
  void htkScale() {
    assertEquals(1000.0, MelFilterbank.hzToMel(1000), 0.05); // HTK: 1000 Hz ~ 1000 mel
    assertEquals(0.0, MelFilterbank.hzToMel(0), 0);
    for (double hz : new double[] {0, 100, 1234.5, 8000}) {
      assertEquals(hz, MelFilterbank.melToHz(MelFilterbank.hzToMel(hz)), 1e-9);
    }
  }

  @Test
  void defaultBankCentresAscendAndEveryBandSeesTheSpectrum() {
    MelFilterbank fb = new MelFilterbank(40, 512, 16000, 0, 8000);
    double[] c = fb.centerHz();
    assertEquals(40, c.length);
    for (int b = 1; b < c.length; b++) {
      assertTrue(c[b] > c[b - 1]);
    }
    assertTrue(c[0] > 0 && c[39] < 8000);
    // flat unit spectrum: every band must have a positive response
    double[] flat = new double[257];
    java.util.Arrays.fill(flat, 1.0);
    float[][] out = new float[40][1];
    fb.apply(flat, out, 0);
    for (int b = 0; b < 40; b++) {
      assertTrue(out[b][0] > 0, "band " + b + " is empty");
    }
    assertEquals(20, fb.nearestBand(c[20] + 1));
  }

  @Test
  void badParametersRejected() {
    assertThrows(IllegalArgumentException.class, () -> new MelFilterbank(0, 512, 16000, 0, 8000));
    assertThrows(IllegalArgumentException.class, () -> new MelFilterbank(40, 512, 16000, 0, 9000));
    assertThrows(IllegalArgumentException.class, () -> new MelFilterbank(40, 512, 16000, 500, 400));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AudioFeatureConfig(16000, 25, 10, 40, 0, 0, 0, 0));
    assertThrows(
        IllegalArgumentException.class, () -> AudioFeatureConfig.defaults().withPreEmphasis(1.5));
  }
}
