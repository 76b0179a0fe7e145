package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.schemas.PolicySnapshot;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class RankerTest {

    private static final int ITEMS = 5;
    // items x tasks (ctr, cvr, opm, gpm)
    private static final double[] SCORES = {
        0.30, 0.01, 1.0, 10.0,
        0.05, 0.20, 5.0, 80.0,
        0.10, 0.05, 2.0, 30.0,
        0.02, 0.01, 0.5, 5.0,
        0.20, 0.10, 3.0, 40.0};

    @Test
    void shouldRankByLogLinearFusionWithTheWeightsGiven() {
        ServingPolicy fallback = TestSnapshots.staticFallback("m");
        Ranking clicks = Ranker.rankWith(fallback, new double[] {1, 0, 0, 0}, SCORES, ITEMS);
        assertThat(clicks.order()).containsExactly(0, 4, 2, 1, 3);
        Ranking gmv = Ranker.rankWith(fallback, new double[] {0, 0, 0, 1}, SCORES, ITEMS);
        assertThat(gmv.order()).containsExactly(1, 4, 2, 0, 3);
        assertThat(gmv.policyVersion()).isZero();
    }

    @Test
    void shouldRecordThePolicyVersionAndWeightsUsed() {
        PolicyHolder holder = new PolicyHolder(TestSnapshots.staticFallback("m"));
        PolicySnapshot v4 = TestSnapshots.random("m", 4, 4);
        holder.offer(v4);
        float[] x = TestSnapshots.features(3);
        Ranking r = Ranker.rank(holder.current(), x, SCORES, ITEMS);
        double[] w = new double[4];
        holder.current().weights(x, w);
        assertThat(r.policyVersion()).isEqualTo(4);
        assertThat(r.weights()).containsExactly(w, within(0.0));
        assertThat(r.order()).containsExactly(Ranker.rankWith(holder.current(), w, SCORES, ITEMS).order());
    }

    @Test
    void explorationShouldBeSeededAndCentredOnThePolicy() {
        PolicyHolder holder = new PolicyHolder(TestSnapshots.staticFallback("m"));
        holder.offer(TestSnapshots.random("m", 1, 7));
        ServingPolicy p = holder.current();
        float[] x = TestSnapshots.features(5);
        double[] pi = new double[4];
        p.weights(x, pi);

        var a = RandomSource.XO_RO_SHI_RO_128_PP.create(99L);
        var b = RandomSource.XO_RO_SHI_RO_128_PP.create(99L);
        assertThat(Ranker.rankExploring(p, x, SCORES, ITEMS, a).weights())
                .containsExactly(Ranker.rankExploring(p, x, SCORES, ITEMS, b).weights());

        int n = 20_000;
        double[] mean = new double[4];
        var rng = RandomSource.XO_RO_SHI_RO_128_PP.create(1L);
        for (int i = 0; i < n; i++) {
            double[] w = Ranker.rankExploring(p, x, SCORES, ITEMS, rng).weights();
            for (int k = 0; k < 4; k++) {
                mean[k] += w[k] / n;
            }
        }
        // E[p] = pi when no alpha floor applies; the standard error with alphaHat = 8 is below 0.003.
        for (int k = 0; k < 4; k++) {
            if (8.0 * pi[k] > 0.05) {
                assertThat(mean[k]).as("task %d", k).isCloseTo(pi[k], within(0.015));
            }
        }
    }
}
