package io.streamalign.eval.synthetic;

import java.util.Random;

/**
 * Small dense linear algebra in double precision: Cholesky solves for least squares through the
 * normal equations, and random orthogonal matrices. Matrices are {@code double[rows][cols]}.
 *
 * <p>Least squares {@code min_B ||X B - Y||_F^2 + lambda ||B||_F^2} is solved exactly (up to
 * rounding) as {@code B = (X^T X + lambda I)^{-1} X^T Y} by a Cholesky factorization of the d x d
 * Gram matrix; with {@code lambda = 0} and more rows than columns (and Gaussian rows) the Gram
 * matrix is positive definite almost surely. The protocols here use d = 20 and at least 25 rows,
 * and {@code lambda = 0} (ordinary least squares), which is what the paper's error rates (d sigma^2
 * / n) describe.
 */
public final class Dense {
  private Dense() {}

  /** Lower-triangular L with A = L L^T; throws if A is not (numerically) positive definite. */
  public static double[][] cholesky(double[][] a) {
    int n = a.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = a[i][j];
        for (int k = 0; k < j; k++) {
          s -= l[i][k] * l[j][k];
        }
        if (i == j) {
          if (!(s > 0)) {
            throw new ArithmeticException(
                "matrix not positive definite (pivot " + s + " at " + i + ")");
          }
          l[i][i] = Math.sqrt(s);
        } else {
          l[i][j] = s / l[j][j];
        }
      }
    }
    return l;
  }

  /** Solves (L L^T) X = B for X (B is n x m), overwriting nothing. */
  public static double[][] cholSolve(double[][] l, double[][] b) {
    int n = l.length;
    int m = b[0].length;
    double[][] x = new double[n][m];
    for (int c = 0; c < m; c++) {
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        double s = b[i][c];
        for (int k = 0; k < i; k++) {
          s -= l[i][k] * y[k];
        }
        y[i] = s / l[i][i];
      }
      for (int i = n - 1; i >= 0; i--) {
        double s = y[i];
        for (int k = i + 1; k < n; k++) {
          s -= l[k][i] * x[k][c];
        }
        x[i][c] = s / l[i][i];
      }
    }
    return x;
  }

  /** Ridge / ordinary least squares from accumulated statistics: (G + lambda I)^{-1} C. */
  public static double[][] solveNormal(double[][] gram, double[][] cross, double lambda) {
    int d = gram.length;
    double[][] g = new double[d][d];
    for (int i = 0; i < d; i++) {
      System.arraycopy(gram[i], 0, g[i], 0, d);
      g[i][i] += lambda;
    }
    return cholSolve(cholesky(g), cross);
  }

  /** Least squares for one output: argmin_w ||X w - y||^2 + lambda ||w||^2. */
  public static double[] leastSquares(double[][] x, double[] y, double lambda) {
    int d = x[0].length;
    double[][] g = new double[d][d];
    double[][] c = new double[d][1];
    for (int r = 0; r < x.length; r++) {
      addOuter(g, x[r], x[r]);
      for (int i = 0; i < d; i++) {
        c[i][0] += x[r][i] * y[r];
      }
    }
    double[][] w = solveNormal(g, c, lambda);
    double[] out = new double[d];
    for (int i = 0; i < d; i++) {
      out[i] = w[i][0];
    }
    return out;
  }

  /** acc += a b^T. */
  public static void addOuter(double[][] acc, double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      double ai = a[i];
      double[] row = acc[i];
      for (int j = 0; j < b.length; j++) {
        row[j] += ai * b[j];
      }
    }
  }

  /** A x. */
  public static double[] mul(double[][] a, double[] x) {
    double[] y = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      double s = 0;
      for (int j = 0; j < x.length; j++) {
        s += a[i][j] * x[j];
      }
      y[i] = s;
    }
    return y;
  }

  /** A^T x. */
  public static double[] mulT(double[][] a, double[] x) {
    double[] y = new double[a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < y.length; j++) {
        y[j] += a[i][j] * x[i];
      }
    }
    return y;
  }

  /** ||a - b||^2. */
  public static double sqDist(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double t = a[i] - b[i];
      s += t * t;
    }
    return s;
  }

  public static double[] gaussian(Random rnd, int n, double std) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextGaussian() * std;
    }
    return v;
  }

  /** A random orthogonal d x d matrix (Gram-Schmidt on Gaussian columns, i.e. Haar up to signs). */
  public static double[][] randomOrthogonal(Random rnd, int d) {
    double[][] q = new double[d][d]; // columns q[.][j]
    for (int j = 0; j < d; j++) {
      double[] v = gaussian(rnd, d, 1.0);
      for (int pass = 0; pass < 2; pass++) { // re-orthogonalize once for accuracy
        for (int k = 0; k < j; k++) {
          double dot = 0;
          for (int i = 0; i < d; i++) {
            dot += q[i][k] * v[i];
          }
          for (int i = 0; i < d; i++) {
            v[i] -= dot * q[i][k];
          }
        }
      }
      double norm = 0;
      for (double t : v) {
        norm += t * t;
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < d; i++) {
        q[i][j] = v[i] / norm;
      }
    }
    return q;
  }
}
