package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LoggedDatasetTest {

    private static final WorldConfig SMALL = WorldConfig.builder().users(2_000).items(1_000).build();

    @Test
    void shouldRecordServedRequestsAsPlainArrays() {
        World world = World.create(SMALL, 51);
        LoggedDataset data = LoggedDataset.generate(world, 300,
                LoggingPolicy.dirichletAround(new double[] {0.4, 0.3, 0.2, 0.1}, 20), 52, 5_000L, 250L);
        assertThat(data.size()).isEqualTo(300);
        assertThat(data.items()).isEqualTo(50);
        assertThat(data.tasks()).isEqualTo(4);
        assertThat(data.featureDim()).isEqualTo(32);
        assertThat(data.taskNames()).containsExactly("ctr", "cvr", "opm", "gpm");
        assertThat(data.features(0)).hasSize(32);
        assertThat(data.scores(0)).hasSize(200);
        assertThat(data.labels(0)).hasSize(200);
        assertThat(data.itemIds(0)).hasSize(50);
        assertThat(data.eventTimeMillis(2)).isEqualTo(5_500L);
        assertThat(data.archetype(7)).isEqualTo(world.archetypeOf(data.user(7)));

        int withLabels = 0;
        double[] meanWeights = new double[4];
        for (int i = 0; i < data.size(); i++) {
            double[] w = data.servedWeights(i);
            assertThat(w[0] + w[1] + w[2] + w[3]).isCloseTo(1.0, within(1e-9));
            for (int k = 0; k < 4; k++) {
                meanWeights[k] += w[k] / data.size();
            }
            withLabels += data.hasPositiveLabel(i) ? 1 : 0;
        }
        // Dirichlet noise around the base: the mean is the base, single draws differ
        assertThat(meanWeights).containsExactly(new double[] {0.4, 0.3, 0.2, 0.1}, within(0.03));
        assertThat(data.servedWeights(0)).isNotEqualTo(data.servedWeights(1));
        assertThat(withLabels).isGreaterThan(data.size() / 3);
    }

    @Test
    void shouldReplayTheSameDataFromTheSameSeeds() {
        World world = World.create(SMALL, 51);
        LoggedDataset a = LoggedDataset.generate(world, 100, LoggingPolicy.uniformRandom(4), 53);
        LoggedDataset b = LoggedDataset.generate(World.create(SMALL, 51), 100, LoggingPolicy.uniformRandom(4), 53);
        for (int i = 0; i < 100; i++) {
            assertThat(b.features(i)).containsExactly(a.features(i));
            assertThat(b.scores(i)).containsExactly(a.scores(i));
            assertThat(b.labels(i)).containsExactly(a.labels(i));
            assertThat(b.servedWeights(i)).containsExactly(a.servedWeights(i));
        }
    }

    @Test
    void shouldRebuildRequestsTheOracleCanScore() {
        World world = World.create(SMALL, 51);
        LoggedDataset data = LoggedDataset.generate(world, 20, LoggingPolicy.uniformWeights(4), 54);
        for (int i = 0; i < data.size(); i++) {
            SimRequest r = data.request(i);
            assertThat(data.servedWeights(i)).containsExactly(0.25, 0.25, 0.25, 0.25);
            assertThat(world.oracle().solve(r).expectedPost())
                    .isGreaterThanOrEqualTo(world.oracle().expectedPost(r, data.servedWeights(i)));
        }
    }

    @Test
    void shouldServeTheSameWeightsWithAFixedPolicy() {
        LoggingPolicy fixed = LoggingPolicy.fixed(new double[] {2, 1, 1, 0});
        assertThat(fixed.weights(null, World.rng(1))).containsExactly(0.5, 0.25, 0.25, 0.0);
        assertThatThrownBy(() -> LoggingPolicy.fixed(new double[] {0, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoggingPolicy.dirichletAround(new double[] {1, 0}, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
