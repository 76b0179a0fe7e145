package io.grade.core.grpo;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.core.explore.DirichletExploration;
import io.grade.core.explore.Exploration;
import io.grade.core.explore.GaussianSoftmaxExploration;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/** d loss / d head of the full GRPO loss (clipped surrogate + closed-form KL) against central differences. */
class GrpoLossTest {

    private static final double GRADIENT_TOLERANCE = 1e-4;
    private static final double H = 1e-6;
    private static final int B = 3;
    private static final int N = 4;
    private static final int G = 8;
    private static final double EPS = 0.2;
    private static final double KL_COEF = 0.5;

    @Test
    void shouldMatchCentralDifferencesForDirichletLossGradientInPi() {
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(21L);
        double[] oldPi = randomSimplexRows(rng, 0.15);
        // current pi moved away from old so that some ratios are clipped; ref elsewhere again
        double[] pi = perturbOnSimplex(rng, oldPi, 0.35);
        double[] refPi = perturbOnSimplex(rng, oldPi, 0.3);
        checkGradient(new DirichletExploration(0.1), oldPi, pi, refPi, 6.0, rng);
    }

    @Test
    void shouldMatchCentralDifferencesForGaussianLossGradientInLogits() {
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(22L);
        double[] oldLogits = new double[B * N];
        double[] logits = new double[B * N];
        double[] refLogits = new double[B * N];
        for (int i = 0; i < B * N; i++) {
            oldLogits[i] = rng.nextDouble() * 2 - 1;
            logits[i] = oldLogits[i] + 0.15 * (rng.nextDouble() * 2 - 1);
            refLogits[i] = oldLogits[i] + 0.5 * (rng.nextDouble() * 2 - 1);
        }
        checkGradient(new GaussianSoftmaxExploration(0.5), oldLogits, logits, refLogits, 0.0, rng);
    }

    private static void checkGradient(Exploration ex, double[] oldHead, double[] head, double[] refHead,
                                      double alphaHat, UniformRandomProvider rng) {
        double[] weights = new double[B * G * N];
        double[] stats = new double[B * G * N];
        double[] logpOld = new double[B * G];
        for (int b = 0; b < B; b++) {
            ex.sample(oldHead, b, N, alphaHat, G, rng, weights, b * G * N, stats, b * G * N);
            ex.logDensities(oldHead, b, N, alphaHat, stats, b * G * N, G, logpOld, b * G);
        }
        double[] adv = new double[B * G];
        for (int i = 0; i < adv.length; i++) {
            adv[i] = rng.nextDouble() * 2 - 1;
        }
        double[] logpNew = new double[B * G];
        double[] dLogp = new double[B * G];
        double[] dHead = new double[B * N];
        GrpoLoss.Value v = GrpoLoss.evaluate(ex, head, refHead, B, N, G, alphaHat, stats, logpOld, adv, EPS, KL_COEF,
                logpNew, dLogp, dHead);
        // the check must exercise both branches of the clip and stay away from its kinks
        assertThat(v.clipped()).isBetween(1, B * G - 1);
        assertThat(v.kl()).isPositive();
        for (int i = 0; i < B * G; i++) {
            double rho = Math.exp(logpNew[i] - logpOld[i]);
            assertThat(Math.min(Math.abs(rho - (1 - EPS)), Math.abs(rho - (1 + EPS)))).isGreaterThan(1e-4);
        }
        for (int i = 0; i < B * N; i++) {
            int idx = i;
            double h = H * Math.max(1, Math.abs(head[i]));
            double[] plus = head.clone();
            plus[idx] += h;
            double[] minus = head.clone();
            minus[idx] -= h;
            double fPlus = GrpoLoss.evaluate(ex, plus, refHead, B, N, G, alphaHat, stats, logpOld, adv, EPS, KL_COEF,
                    new double[B * G], new double[B * G], new double[B * N]).loss();
            double fMinus = GrpoLoss.evaluate(ex, minus, refHead, B, N, G, alphaHat, stats, logpOld, adv, EPS,
                    KL_COEF, new double[B * G], new double[B * G], new double[B * N]).loss();
            double numeric = (fPlus - fMinus) / (2 * h);
            double rel = Math.abs(dHead[i] - numeric) / Math.max(1e-8, Math.max(Math.abs(dHead[i]), Math.abs(numeric)));
            assertThat(rel).as("head[%d]: analytic %s numeric %s", i, dHead[i], numeric).isLessThan(GRADIENT_TOLERANCE);
        }
    }

    private static double[] randomSimplexRows(UniformRandomProvider rng, double floor) {
        double[] p = new double[B * N];
        for (int b = 0; b < B; b++) {
            double s = 0;
            for (int k = 0; k < N; k++) {
                p[b * N + k] = floor + rng.nextDouble();
                s += p[b * N + k];
            }
            for (int k = 0; k < N; k++) {
                p[b * N + k] /= s;
            }
        }
        return p;
    }

    private static double[] perturbOnSimplex(UniformRandomProvider rng, double[] p, double scale) {
        double[] q = new double[p.length];
        for (int b = 0; b < B; b++) {
            double s = 0;
            for (int k = 0; k < N; k++) {
                q[b * N + k] = p[b * N + k] * Math.exp(scale * (rng.nextDouble() * 2 - 1));
                s += q[b * N + k];
            }
            for (int k = 0; k < N; k++) {
                q[b * N + k] /= s;
            }
        }
        return q;
    }
}
