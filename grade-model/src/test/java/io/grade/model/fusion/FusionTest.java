package io.grade.model.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.schemas.FusionKind;
import org.junit.jupiter.api.Test;

class FusionTest {

    private static final double TOLERANCE = 1e-12;
    private static final double[] SCORES = {0.5, 0.1, 0.2, 0.4, 0.1, 0.2};

    @Test
    void shouldFuseLogLinearWithSmoothingBias() {
        double[] betas = {0.01, 0.02};
        double[] z = Fusion.inputs(FusionKind.LOG_LINEAR, SCORES, 3, 2, betas);
        double[] f = new double[3];
        Fusion.fuse(z, 3, 2, new double[] {0.25, 0.75}, f);
        assertThat(f[0]).isCloseTo(0.25 * Math.log(0.51) + 0.75 * Math.log(0.12), within(TOLERANCE));
        assertThat(f[2]).isCloseTo(0.25 * Math.log(0.11) + 0.75 * Math.log(0.22), within(TOLERANCE));
    }

    @Test
    void shouldFuseLinearOnPerRequestMinMaxScores() {
        double[] z = Fusion.inputs(FusionKind.LINEAR, SCORES, 3, 2, null);
        // task 0: 0.5,0.2,0.1 -> 1, 0.25, 0 ; task 1: 0.1,0.4,0.2 -> 0, 1, 1/3
        assertThat(z).containsExactly(new double[] {1, 0, 0.25, 1, 0, 1.0 / 3}, within(TOLERANCE));
        double[] f = new double[3];
        Fusion.fuse(z, 3, 2, new double[] {0.5, 0.5}, f);
        int[] order = new int[3];
        Fusion.rankDescending(f, 3, order);
        assertThat(order).containsExactly(1, 0, 2);
    }

    @Test
    void shouldMapAConstantColumnToZeroInLinearFusion() {
        double[] z = Fusion.inputs(FusionKind.LINEAR, new double[] {0.3, 1, 0.3, 2}, 2, 2, null);
        assertThat(z).containsExactly(0, 0, 0, 1);
    }

    @Test
    void shouldRankStablyWithTiesKeepingLowerIndexFirst() {
        int[] order = new int[5];
        Fusion.rankDescending(new double[] {1, 3, 1, 3, 2}, 5, order);
        assertThat(order).containsExactly(1, 3, 4, 0, 2);
    }

    @Test
    void topKShouldAgreeWithTheFullRankingIncludingTies() {
        java.util.Random rng = new java.util.Random(5);
        for (int trial = 0; trial < 2000; trial++) {
            int items = 1 + rng.nextInt(60);
            double[] f = new double[items];
            for (int j = 0; j < items; j++) {
                f[j] = rng.nextInt(8); // many ties
            }
            int k = 1 + rng.nextInt(items);
            int[] full = new int[items];
            Fusion.rankDescending(f, items, full);
            int[] top = new int[items];
            Fusion.topK(f, items, k, top);
            assertThat(java.util.Arrays.copyOf(top, k)).as("trial %d", trial)
                    .containsExactly(java.util.Arrays.copyOf(full, k));
        }
    }

    @Test
    void topKInOrderShouldAgreeWithTheFullRankingWhateverTheVisitingOrder() {
        java.util.Random rng = new java.util.Random(11);
        double[] special = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-300, -1e300};
        for (int trial = 0; trial < 5000; trial++) {
            int items = 1 + rng.nextInt(60);
            double[] f = new double[items];
            for (int j = 0; j < items; j++) {
                int kind = rng.nextInt(10);
                // many ties, signed zeros and infinities, and distinct values
                f[j] = kind < 5 ? rng.nextInt(6) : kind < 7 ? special[rng.nextInt(special.length)] : rng.nextGaussian();
            }
            int k = 1 + rng.nextInt(items);
            int[] visit = new int[items];
            if (rng.nextBoolean()) {
                // a visiting order close to the ranking, as the reward uses it
                double[] g = f.clone();
                for (int j = 0; j < items; j++) {
                    g[j] += Double.isFinite(g[j]) ? 0.5 * rng.nextGaussian() : 0;
                }
                Fusion.rankDescending(g, items, visit);
            } else {
                for (int j = 0; j < items; j++) {
                    visit[j] = j;
                }
                for (int j = items - 1; j > 0; j--) {
                    int o = rng.nextInt(j + 1);
                    int t = visit[j];
                    visit[j] = visit[o];
                    visit[o] = t;
                }
            }
            int[] full = new int[items];
            Fusion.rankDescending(f, items, full);
            int[] top = new int[items];
            double[] values = new double[k];
            Fusion.topKInOrder(f, items, k, visit, top, values);
            assertThat(java.util.Arrays.copyOf(top, k)).as("trial %d", trial)
                    .containsExactly(java.util.Arrays.copyOf(full, k));
            for (int i = 0; i < k; i++) {
                assertThat(values[i]).as("trial %d value %d", trial, i).isEqualTo(f[top[i]]);
            }
        }
    }
}
