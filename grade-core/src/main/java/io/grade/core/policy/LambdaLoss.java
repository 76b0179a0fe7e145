package io.grade.core.policy;

import io.grade.core.data.TrainingRequest;
import io.grade.model.fusion.Fusion;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Stage 1 loss (docs/SPEC.md section 8): LambdaLoss "NDCG-Loss2" of Wang et al., 2018 (The
 * LambdaLoss Framework for Ranking Metric Optimization, CIKM), applied to the fused scores of a
 * request, with the ranking taken hard (the mass of H(pi|f) on the ranking by current scores).
 *
 * <p>Per request with items j = 1..M, fused scores f_j = sum_k pi_k z_jk and gains
 * g_j = sum_k c_k y_jk:
 *
 * <pre>
 *   l = - sum_{i,j : g_i > g_j}  delta_ij * |G_i - G_j| * log2( sigmoid( sigma (f_i - f_j) ) )
 *   G_j      = gain(g_j) / maxDCG,     gain(g) = 2^g - 1 (EXPONENTIAL, the paper's) or g (LINEAR)
 *   maxDCG   = sum_{r=1..M} gain(g_(r)) / log2(1 + r)   over the gains sorted descending
 *   delta_ij = | 1/D(|r_i - r_j|) - 1/D(|r_i - r_j| + 1) |,   D(k) = log2(1 + k)
 * </pre>
 *
 * where r_j is item j's 1-based rank by the current f (descending, ties by lower index first, as
 * {@link Fusion#rankDescending}). Ranks and delta_ij are held constant in the gradient, as in the
 * paper (they are piecewise constant in f). The discount is over the full list (no cut-off K).
 * dl/dpi_k = sum_j dl/df_j z_jk. A request whose gains are all zero has no pair and contributes
 * exactly 0. The batch loss is the mean over all B requests of the batch, so dLoss/dpi carries 1/B.
 *
 * <p>EXPONENTIAL gains suit graded relevance of a few levels; for value tasks with large amounts
 * (2^g overflows beyond g = 1023) choose LINEAR. Stateless and thread-safe.
 */
public final class LambdaLoss {

    /** How a request's gain g_j becomes the LambdaLoss gain before normalising by maxDCG. */
    public enum Gain {
        /** 2^g - 1, as in the LambdaLoss paper and classic NDCG. */
        EXPONENTIAL,
        /** g itself, matching the reward's linear-gain NDCG (docs/SPEC.md section 6). */
        LINEAR
    }

    private static final double LN2 = Math.log(2.0);

    private final double sigma;
    private final Gain gain;

    /** sigma = 1, exponential gains. */
    public LambdaLoss() {
        this(1.0, Gain.EXPONENTIAL);
    }

    /**
     * @param sigma slope of the pairwise logistic, > 0
     * @param gain gain transform
     */
    public LambdaLoss(double sigma, Gain gain) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma must be positive and finite, got " + sigma);
        }
        this.sigma = sigma;
        this.gain = Objects.requireNonNull(gain, "gain");
    }

    /** The logistic slope sigma. */
    public double sigma() {
        return sigma;
    }

    /** The gain transform. */
    public Gain gain() {
        return gain;
    }

    /**
     * Mean loss of a batch and its gradient with respect to pi.
     *
     * @param pi B x n weights (e.g. {@link ForwardPass#pi()})
     * @param batch the B requests, row b of pi belongs to request b
     * @param taskImportance c, one entry per task
     */
    public Result compute(INDArray pi, List<TrainingRequest> batch, double[] taskImportance) {
        int b = batch.size();
        if (pi.rank() != 2 || pi.rows() != b) {
            throw new IllegalArgumentException("pi must have one row per request (" + b + "), got "
                    + Arrays.toString(pi.shape()));
        }
        int tasks = (int) pi.columns();
        double[] piAll = pi.dup('c').data().asDouble();
        double[] grad = new double[b * tasks];
        double[] piRow = new double[tasks];
        double[] gRow = new double[tasks];
        double total = 0;
        int contributing = 0;
        for (int r = 0; r < b; r++) {
            TrainingRequest req = batch.get(r);
            if (req.tasks() != tasks) {
                throw new IllegalArgumentException("request " + r + " has " + req.tasks() + " tasks, pi has " + tasks);
            }
            System.arraycopy(piAll, r * tasks, piRow, 0, tasks);
            double[] gains = req.gains(taskImportance);
            double l = requestLoss(req.z(), req.items(), tasks, gains, piRow, gRow);
            if (hasPositive(gains)) {
                contributing++;
            }
            total += l;
            for (int k = 0; k < tasks; k++) {
                grad[r * tasks + k] = gRow[k] / b;
            }
        }
        INDArray dPi = Nd4j.create(grad, new long[] {b, tasks}, 'c');
        return new Result(b == 0 ? 0.0 : total / b, dPi, contributing);
    }

    /**
     * Loss of one request and its gradient with respect to pi.
     *
     * @param z fusion inputs, items x tasks row-major
     * @param gains g_j, one per item, >= 0
     * @param pi the request's weights (n)
     * @param dPiOut receives dl/dpi (n); all zeros when the request has no positive gain
     * @return l (>= 0)
     */
    public double requestLoss(double[] z, int items, int tasks, double[] gains, double[] pi, double[] dPiOut) {
        if (z.length != items * tasks || gains.length != items || pi.length != tasks || dPiOut.length != tasks) {
            throw new IllegalArgumentException("inconsistent lengths: z " + z.length + ", gains " + gains.length
                    + ", pi " + pi.length + ", dPiOut " + dPiOut.length + " for " + items + " x " + tasks);
        }
        Arrays.fill(dPiOut, 0.0);
        if (!hasPositive(gains)) {
            return 0.0;
        }
        double[] normGain = normalisedGains(gains);
        double[] f = new double[items];
        Fusion.fuse(z, items, tasks, pi, f);
        int[] order = new int[items];
        Fusion.rankDescending(f, items, order);
        int[] rank = new int[items];
        for (int pos = 0; pos < items; pos++) {
            rank[order[pos]] = pos + 1;
        }
        double[] dF = new double[items];
        double loss = 0;
        for (int i = 0; i < items; i++) {
            for (int j = 0; j < items; j++) {
                if (!(gains[i] > gains[j])) {
                    continue;
                }
                int gap = Math.abs(rank[i] - rank[j]);
                double delta = Math.abs(1.0 / discount(gap) - 1.0 / discount(gap + 1));
                double weight = delta * Math.abs(normGain[i] - normGain[j]);
                double s = sigma * (f[i] - f[j]);
                // -log2(sigmoid(s)) = softplus(-s) / ln2, written to stay finite for large |s|
                loss += weight * softplus(-s) / LN2;
                double dS = -weight * sigmoid(-s) / LN2 * sigma;
                dF[i] += dS;
                dF[j] -= dS;
            }
        }
        for (int j = 0; j < items; j++) {
            if (dF[j] == 0) {
                continue;
            }
            for (int k = 0; k < tasks; k++) {
                dPiOut[k] += dF[j] * z[j * tasks + k];
            }
        }
        return loss;
    }

    private double[] normalisedGains(double[] gains) {
        int m = gains.length;
        double[] gain = new double[m];
        for (int j = 0; j < m; j++) {
            gain[j] = this.gain == Gain.EXPONENTIAL ? Math.expm1(gains[j] * LN2) : gains[j];
        }
        double[] sorted = gain.clone();
        Arrays.sort(sorted);
        double maxDcg = 0;
        for (int r = 1; r <= m; r++) {
            maxDcg += sorted[m - r] / log2(1.0 + r);
        }
        for (int j = 0; j < m; j++) {
            gain[j] /= maxDcg;
        }
        return gain;
    }

    /** D(k) = log2(1 + k); D(0) = 0 never occurs because ranks are distinct (gap >= 1). */
    private static double discount(int k) {
        return log2(1.0 + k);
    }

    private static double log2(double v) {
        return Math.log(v) / LN2;
    }

    private static double softplus(double v) {
        return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    }

    private static double sigmoid(double v) {
        if (v >= 0) {
            return 1.0 / (1.0 + Math.exp(-v));
        }
        double e = Math.exp(v);
        return e / (1.0 + e);
    }

    private static boolean hasPositive(double[] gains) {
        for (double g : gains) {
            if (g > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param loss mean loss over the batch
     * @param dLossDPi B x n gradient of {@code loss} with respect to pi
     * @param contributing requests with at least one positive gain
     */
    public record Result(double loss, INDArray dLossDPi, int contributing) {}
}
