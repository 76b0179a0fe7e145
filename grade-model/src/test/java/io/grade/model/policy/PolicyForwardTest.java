package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PolicyForwardTest {

    /** Expected values come from src/test/resources/expected/policy_forward_expected.py. */
    private static final double TOLERANCE = 1e-12;

    private static final PolicyArchitecture TINY = new PolicyArchitecture(2, 2, 2, 2, 2, 0.01);

    /** The hand-checked network: every ReLU and both softmaxes do something on x = (1, 2). */
    private static PolicyParameters handChecked() {
        return PolicyParameters.builder()
                .put("expert0.W", new int[] {2, 2}, new double[] {1, 0, 0, 1})
                .put("expert0.b", new int[] {2}, new double[] {0, -3})
                .put("expert1.W", new int[] {2, 2}, new double[] {-1, 1, 2, 0})
                .put("expert1.b", new int[] {2}, new double[] {0.5, 0})
                .put("gate.W", new int[] {2, 2}, new double[] {1, 1, 0, 0})
                .put("gate.b", new int[] {2}, new double[] {0, 0})
                .put("tower.W", new int[] {2, 2}, new double[] {1, -1, 0.5, 0.5})
                .put("tower.b", new int[] {2}, new double[] {0, -0.7})
                .put("out.W", new int[] {2, 2}, new double[] {1, 0, 0, 2})
                .put("out.b", new int[] {2}, new double[] {0.1, 0})
                .build();
    }

    @Test
    void shouldComputeTheHandCheckedForwardPass() {
        PolicyForward f = new PolicyForward(TINY, handChecked());
        double[] logits = new double[2];
        f.logits(new double[] {1, 2}, logits);
        assertThat(logits[0]).isCloseTo(1.02886119023365, within(TOLERANCE));
        assertThat(logits[1]).isCloseTo(0.0, within(TOLERANCE));
        double[] pi = new double[2];
        f.weights(new double[] {1, 2}, pi);
        assertThat(pi[0]).isCloseTo(0.7319611531619732, within(TOLERANCE));
        assertThat(pi[1]).isCloseTo(0.26803884683802687, within(TOLERANCE));
    }

    /**
     * The optimised pass (stacked gate and experts, column-major vectorised products) must be
     * bit-identical to the spec's formulas evaluated row by row, for the default architecture and for
     * odd sizes that exercise every remainder loop.
     */
    @Test
    void shouldMatchThePlainRowByRowFormulasBitForBit() {
        for (PolicyArchitecture arch : List.of(PolicyArchitecture.defaults(32, 4),
                new PolicyArchitecture(7, 3, 5, 6, 3, 0.02), new PolicyArchitecture(1, 1, 1, 1, 1, 0.0))) {
            PolicyParameters params = PolicyTestData.random(arch, 11, 0.4);
            PolicyForward f = new PolicyForward(arch, params);
            Random rng = new Random(3);
            for (int n = 0; n < 200; n++) {
                double[] x = new double[arch.featureDim()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rng.nextGaussian() * 2;
                }
                double[] expected = plainWeights(arch, params, x);
                double[] actual = new double[arch.tasks()];
                f.weights(x, actual);
                assertThat(actual).as("%s, input %d", arch, n).containsExactly(expected);
            }
        }
    }

    /** docs/SPEC.md section 4 written out literally: one row at a time, sums in column order. */
    private static double[] plainWeights(PolicyArchitecture arch, PolicyParameters p, double[] x) {
        double[] gate = softmax(plainAffine(p.values("gate.W"), p.values("gate.b"), x));
        double[] m = new double[arch.hidden()];
        for (int e = 0; e < arch.experts(); e++) {
            double[] h = plainAffine(p.values("expert" + e + ".W"), p.values("expert" + e + ".b"), x);
            for (int i = 0; i < m.length; i++) {
                m[i] += gate[e] * Math.max(h[i], 0.0);
            }
        }
        double[] t = plainAffine(p.values("tower.W"), p.values("tower.b"), m);
        for (int i = 0; i < t.length; i++) {
            t[i] = Math.max(t[i], 0.0);
        }
        double[] pi = softmax(plainAffine(p.values("out.W"), p.values("out.b"), t));
        double scale = 1.0 - arch.tasks() * arch.epsilonFloor();
        for (int k = 0; k < pi.length; k++) {
            pi[k] = scale * pi[k] + arch.epsilonFloor();
        }
        return pi;
    }

    private static double[] plainAffine(double[] w, double[] b, double[] v) {
        double[] out = new double[b.length];
        for (int r = 0; r < b.length; r++) {
            double s = b[r];
            for (int c = 0; c < v.length; c++) {
                s += w[r * v.length + c] * v[c];
            }
            out[r] = s;
        }
        return out;
    }

    private static double[] softmax(double[] a) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : a) {
            max = Math.max(max, v);
        }
        double[] out = new double[a.length];
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.exp(a[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < a.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    @Test
    void shouldGiveTheSameWeightsForFloatFeaturesAndWithACallerScratch() {
        PolicyForward f = new PolicyForward(TINY, handChecked());
        double[] viaFloat = new double[2];
        f.weights(new float[] {1f, 2f}, viaFloat);
        double[] viaScratch = new double[2];
        f.weights(new double[] {1, 2}, viaScratch, f.newScratch());
        assertThat(viaFloat[0]).isCloseTo(0.7319611531619732, within(TOLERANCE));
        assertThat(viaScratch).containsExactly(viaFloat);
    }

    @Test
    void shouldKeepEveryWeightAboveTheFloorAndOnTheSimplexEvenForExtremeLogits() {
        PolicyArchitecture arch = new PolicyArchitecture(3, 2, 4, 4, 4, 1e-3);
        PolicyForward f = new PolicyForward(arch, PolicyTestData.random(arch, 5, 30.0));
        double[] pi = new double[4];
        Random rng = new Random(6);
        for (int i = 0; i < 100; i++) {
            f.weights(new double[] {rng.nextGaussian() * 10, rng.nextGaussian() * 10, rng.nextGaussian() * 10}, pi);
            double sum = 0;
            for (double w : pi) {
                assertThat(w).isGreaterThanOrEqualTo(1e-3).isFinite();
                sum += w;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-12));
        }
    }

    @Test
    void shouldGiveIdenticalResultsFromManyThreadsAtOnce() throws Exception {
        PolicyArchitecture arch = PolicyArchitecture.defaults(8, 3);
        PolicyForward f = new PolicyForward(arch, PolicyTestData.random(arch, 9, 0.5));
        Random rng = new Random(10);
        double[][] xs = new double[200][8];
        double[][] expected = new double[200][3];
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < 8; j++) {
                xs[i][j] = rng.nextGaussian();
            }
            f.weights(xs[i], expected[i], f.newScratch());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    double[] out = new double[3];
                    for (int rep = 0; rep < 50; rep++) {
                        for (int i = 0; i < xs.length; i++) {
                            f.weights(xs[i], out);
                            if (!java.util.Arrays.equals(out, expected[i])) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRejectParametersThatDoNotFitTheArchitectureAndWrongInputLengths() {
        PolicyArchitecture other = new PolicyArchitecture(3, 2, 2, 2, 2, 0.01);
        assertThatThrownBy(() -> new PolicyForward(other, handChecked())).hasMessageContaining("expert0.W");
        PolicyForward f = new PolicyForward(TINY, handChecked());
        assertThatThrownBy(() -> f.weights(new double[3], new double[2])).hasMessageContaining("features");
        assertThatThrownBy(() -> f.weights(new double[2], new double[3])).hasMessageContaining("tasks");
    }
}
