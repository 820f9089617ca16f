package io.streamalign.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jtransforms.fft.DoubleFFT_1D;
import org.junit.jupiter.api.Test;

class ResamplerTest {

  private static float[] sine(double hz, int rate, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return x;
  }

  private static int peakBin(float[] x, int offset, int n) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = x[offset + i] * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
    }
    new DoubleFFT_1D(n).realForward(a);
    int best = 1;
    double bestP = -1;
    for (int k = 1; k < n / 2; k++) {
      double p = a[2 * k] * a[2 * k] + a[2 * k + 1] * a[2 * k + 1];
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    }
    return best;
  }

  private static double rms(float[] x, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += x[i] * x[i];
    }
    return Math.sqrt(s / (to - from));
  }

  @Test
  void upsampling8kTo16kKeepsFrequencyAndWaveform() {
    float[] x = sine(1000, 8000, 8000);
    float[] y = Resampler.resample(x, 8000, 16000);
    assertEquals(16000, y.length);
    // 1000 Hz at 16 kHz in an 8192-point FFT is bin 512 exactly
    assertEquals(512, peakBin(y, 4000, 8192));
    float[] ideal = sine(1000, 16000, 16000);
    for (int i = 200; i < 15800; i++) { // away from the zero-padded edges
      assertEquals(ideal[i], y[i], 2e-3, "sample " + i);
    }
  }

  @Test
  void downsamplingKeepsPassbandAndRemovesAliases() {
    float[] pass = Resampler.resample(sine(1000, 48000, 48000), 48000, 16000);
    assertEquals(16000, pass.length);
    assertEquals(rms(sine(1000, 16000, 16000), 0, 16000), rms(pass, 500, 15500), 0.005);
    assertEquals(1000 * 8192 / 16000, peakBin(pass, 4000, 8192));
    // 12 kHz is above the new 8 kHz Nyquist: a plain decimation would alias it to 4 kHz
    float[] stop = Resampler.resample(sine(12000, 48000, 48000), 48000, 16000);
    double ratio = rms(stop, 500, 15500) / rms(sine(12000, 48000, 48000), 0, 48000);
    assertTrue(ratio < 1e-3, "alias suppression ratio " + ratio);
  }

  @Test
  void oddRatios() {
    float[] y = Resampler.resample(sine(440, 44100, 44100), 44100, 16000);
    assertEquals(16000, y.length);
    assertEquals(Math.round(440 * 8192 / 16000.0), peakBin(y, 4000, 8192), 1);
    float[] z = Resampler.resample(sine(440, 22050, 22050), 22050, 16000);
    assertEquals(16000, z.length);
  }

  @Test
  void equalRatesCopyAndBadRatesThrow() {
    float[] x = {1, 2, 3};
    float[] y = Resampler.resample(x, 16000, 16000);
    assertArrayEquals(x, y);
    y[0] = 9;
    assertEquals(1, x[0]);
    assertThrows(FeatureException.class, () -> Resampler.resample(x, 0, 16000));
    assertThrows(FeatureException.class, () -> Resampler.resample(x, 16000, -1));
    assertThrows(FeatureException.class, () -> Resampler.resample(x, 16000, 10_000_000));
  }
}
