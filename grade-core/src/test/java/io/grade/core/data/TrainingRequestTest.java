package io.grade.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.schemas.FusionKind;
import org.junit.jupiter.api.Test;

class TrainingRequestTest {

    private static final double TOLERANCE = 1e-12;
    private static final double[] X = {0.5, -1.0};
    private static final double[] S = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    private static final double[] Y = {1, 0, 0, 0, 0, 2};

    @Test
    void shouldCopyItsInputsSoLaterChangesDoNotLeakIn() {
        double[] x = X.clone();
        double[] z = S.clone();
        TrainingRequest r = new TrainingRequest(x, S, Y, z, 3, 2);
        x[0] = 99;
        z[0] = 99;
        r.features()[1] = 42;
        assertThat(r.features()).containsExactly(0.5, -1.0);
        assertThat(r.z(0, 0)).isEqualTo(0.1);
        assertThat(r.score(2, 1)).isEqualTo(0.6);
        assertThat(r.label(2, 1)).isEqualTo(2.0);
    }

    @Test
    void shouldComputeGainsAsImportanceWeightedLabelSums() {
        TrainingRequest r = new TrainingRequest(X, S, Y, S, 3, 2);
        assertThat(r.gains(new double[] {1.0, 0.5})).containsExactly(1.0, 0.0, 1.0);
        assertThat(r.hasPositiveLabel()).isTrue();
        assertThat(new TrainingRequest(X, S, new double[6], S, 3, 2).hasPositiveLabel()).isFalse();
    }

    @Test
    void shouldComputeZWithTheConfiguredFusion() {
        TrainingRequest r = TrainingRequest.of(X, S, Y, 3, 2, FusionKind.LOG_LINEAR, new double[] {0.01, 0.02});
        assertThat(r.z(1, 1)).isCloseTo(Math.log(0.4 + 0.02), within(TOLERANCE));
    }

    @Test
    void shouldRejectInconsistentOrInvalidInputsNamingTheField() {
        assertThatThrownBy(() -> new TrainingRequest(X, new double[5], Y, S, 3, 2)).hasMessageContaining("scores");
        assertThatThrownBy(() -> new TrainingRequest(X, S, new double[5], S, 3, 2)).hasMessageContaining("labels");
        assertThatThrownBy(() -> new TrainingRequest(X, S, Y, new double[7], 3, 2)).hasMessageContaining("z");
        assertThatThrownBy(() -> new TrainingRequest(X, S, new double[] {1, 0, 0, -1, 0, 0}, S, 3, 2))
                .hasMessageContaining("labels must be >= 0");
        assertThatThrownBy(() -> new TrainingRequest(new double[] {Double.NaN}, S, Y, S, 3, 2))
                .hasMessageContaining("features");
        assertThatThrownBy(() -> new TrainingRequest(X, S, Y, S, 0, 2)).hasMessageContaining("items");
        assertThatThrownBy(() -> new TrainingRequest(X, S, Y, S, 3, 2).gains(new double[] {1.0}))
                .hasMessageContaining("taskImportance");
    }

    @Test
    void shouldPrepareTheSameRewardAsFromItsCopiesAndReuseTheInstance() {
        io.grade.model.reward.CompositeReward reward =
                new io.grade.model.reward.CompositeReward(io.grade.model.reward.RewardConfig.defaults(2));
        TrainingRequest r = TrainingRequest.of(X, S, Y, 3, 2, FusionKind.LOG_LINEAR, new double[] {0.01, 0.01});
        TrainingRequest other = TrainingRequest.of(X, new double[] {0.6, 0.5, 0.4, 0.3, 0.2, 0.1},
                new double[] {0, 1, 0, 0, 1, 0}, 3, 2, FusionKind.LOG_LINEAR, new double[] {0.01, 0.01});
        io.grade.model.reward.RequestReward first = other.prepareReward(reward, null);
        io.grade.model.reward.RequestReward reused = r.prepareReward(reward, first);
        assertThat(reused).isSameAs(first);
        io.grade.model.reward.RequestReward fresh = reward.prepare(r.z(), r.scores(), r.labels(), 3, 2);
        for (double[] w : new double[][] {{0.9, 0.1}, {0.1, 0.9}, {0.5, 0.5}}) {
            assertThat(reused.evaluate(w)).isEqualTo(fresh.evaluate(w));
        }
    }
}
