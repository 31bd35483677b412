package dev.amdahl.scaling;

/**
 * Non-negative weighted linear least squares for the two or three coefficients of a timing model.
 *
 * <p>Why this shape: both models are linear in their coefficients ({@code T(n) = a + b/n} and
 * {@code T(n) = a + b/n + c·n}), so the normal equations solve them directly. The coefficients
 * are times, and a negative one is a fit of noise, so they are kept {@code >= 0}. With at most three
 * coefficients the exact constrained optimum is found by brute force: the non-negative optimum is
 * the unconstrained optimum on some subset of the coefficients (the others pinned at 0), so solve
 * every subset and keep the best one whose coefficients are all {@code >= 0}.
 *
 * <p>Each point is weighted by {@code 1/y²}, i.e. relative residuals are minimised. Timing noise is
 * roughly proportional to the time, and with plain residuals the one-worker run, the longest,
 * would decide the fit alone.
 */
final class LeastSquares {

    private LeastSquares() {
    }

    /** The fitted coefficients and the weighted residual sum of squares (relative residuals). */
    record Solution(double[] coefficients, double residualSumOfSquares) {
    }

    /**
     * Fits {@code y ≈ Σ coefficient[j]·regressors[i][j]} with all coefficients {@code >= 0}.
     *
     * @param regressors one row per point, one column per coefficient
     * @param y          positive observations
     */
    static Solution fitNonNegative(double[][] regressors, double[] y) {
        int k = regressors[0].length;
        Solution best = null;
        for (int subset = 1; subset < (1 << k); subset++) {
            double[] coefficients = fitSubset(regressors, y, subset);
            if (coefficients == null || !allNonNegative(coefficients)) {
                continue;
            }
            double rss = residualSumOfSquares(regressors, y, coefficients);
            if (best == null || rss < best.residualSumOfSquares()) {
                best = new Solution(coefficients, rss);
            }
        }
        if (best == null) {
            // unreachable for positive y: a single column with positive entries always fits >= 0
            throw new IllegalStateException("no non-negative least-squares solution");
        }
        return best;
    }

    static double residualSumOfSquares(double[][] regressors, double[] y, double[] coefficients) {
        double rss = 0.0;
        for (int i = 0; i < y.length; i++) {
            double relative = (predict(regressors[i], coefficients) - y[i]) / y[i];
            rss += relative * relative;
        }
        return rss;
    }

    private static double predict(double[] row, double[] coefficients) {
        double sum = 0.0;
        for (int j = 0; j < row.length; j++) {
            sum += row[j] * coefficients[j];
        }
        return sum;
    }

    /** Unconstrained weighted fit on the columns in {@code subset}; the others are 0. Null if singular. */
    private static double[] fitSubset(double[][] regressors, double[] y, int subset) {
        int k = regressors[0].length;
        int[] columns = new int[Integer.bitCount(subset)];
        for (int j = 0, c = 0; j < k; j++) {
            if ((subset & (1 << j)) != 0) {
                columns[c++] = j;
            }
        }
        int m = columns.length;
        if (m > y.length) {
            return null;
        }
        // Columns are scaled to unit weighted norm first: 1/n and n span six orders of magnitude at
        // a thousand workers, and unscaled normal equations would lose most of their digits.
        double[] scale = new double[m];
        for (int c = 0; c < m; c++) {
            double norm = 0.0;
            for (int i = 0; i < y.length; i++) {
                double x = regressors[i][columns[c]] / y[i];
                norm += x * x;
            }
            if (norm == 0.0) {
                return null;
            }
            scale[c] = Math.sqrt(norm);
        }
        double[][] normal = new double[m][m + 1];
        for (int i = 0; i < y.length; i++) {
            double weight = 1.0 / (y[i] * y[i]);
            for (int r = 0; r < m; r++) {
                double xr = regressors[i][columns[r]] / scale[r];
                for (int c = 0; c < m; c++) {
                    normal[r][c] += weight * xr * regressors[i][columns[c]] / scale[c];
                }
                normal[r][m] += weight * xr * y[i];
            }
        }
        double[] scaled = solve(normal);
        if (scaled == null) {
            return null;
        }
        double[] coefficients = new double[k];
        for (int c = 0; c < m; c++) {
            coefficients[columns[c]] = scaled[c] / scale[c];
        }
        return coefficients;
    }

    /** Gaussian elimination with partial pivoting on an augmented m×(m+1) matrix; null if singular. */
    private static double[] solve(double[][] a) {
        int m = a.length;
        for (int col = 0; col < m; col++) {
            int pivot = col;
            for (int r = col + 1; r < m; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            // columns have unit norm, so an absolute threshold means "numerically dependent"
            if (Math.abs(a[pivot][col]) < 1e-12) {
                return null;
            }
            double[] swap = a[col];
            a[col] = a[pivot];
            a[pivot] = swap;
            for (int r = col + 1; r < m; r++) {
                double factor = a[r][col] / a[col][col];
                for (int c = col; c <= m; c++) {
                    a[r][c] -= factor * a[col][c];
                }
            }
        }
        double[] x = new double[m];
        for (int r = m - 1; r >= 0; r--) {
            double sum = a[r][m];
            for (int c = r + 1; c < m; c++) {
                sum -= a[r][c] * x[c];
            }
            x[r] = sum / a[r][r];
        }
        return x;
    }

    private static boolean allNonNegative(double[] values) {
        for (double v : values) {
            if (!(v >= 0.0)) {
                return false;
            }
        }
        return true;
    }
}
