package io.streamalign.features;

import java.util.Random;

/** Test signals. */
final class Signals {
  private Signals() {}

  static short[] sine(double hz, int rate, double seconds, double amplitude) {
    int n = (int) Math.round(rate * seconds);
    short[] s = new short[n];
    for (int i = 0; i < n; i++) {
      s[i] = (short) Math.round(amplitude * 32767 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return s;
  }

  static short[] noise(int n, long seed, int maxAbs) {
    Random r = new Random(seed);
    short[] s = new short[n];
    for (int i = 0; i < n; i++) {
      s[i] = (short) (r.nextInt(2 * maxAbs + 1) - maxAbs);
    }
    return s;
  }

  static short[] scale(short[] s, int factor) {
    short[] o = new short[s.length];
    for (int i = 0; i < s.length; i++) {
      o[i] = (short) (s[i] * factor);
    }
    return o;
  }

  static double[] bandMeans(float[][] logMel) {
    double[] m = new double[logMel.length];
    for (int b = 0; b < logMel.length; b++) {
      double sum = 0;
      for (float v : logMel[b]) {
        sum += v;
      }
      m[b] = sum / logMel[b].length;
    }
    return m;
  }

  static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
