package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotProblem;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicySnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyHolderTest {

    private final PolicyHolder holder = new PolicyHolder(TestSnapshots.staticFallback("m"));

    @Test
    void shouldServeStaticWeightsUntilTheFirstSnapshot() {
        double[] w = new double[4];
        holder.current().weights(TestSnapshots.features(1), w);
        assertThat(holder.current().version()).isZero();
        assertThat(w).containsExactly(new double[] {0.25, 0.25, 0.25, 0.25}, within(1e-12));
    }

    @Test
    void shouldSwapToANewerValidSnapshotAndComputeItsWeights() {
        PolicySnapshot v1 = TestSnapshots.random("m", 1, 11);
        assertThat(holder.offer(v1).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        float[] x = TestSnapshots.features(2);
        double[] served = new double[4];
        holder.current().weights(x, served);
        double[] expected = new double[4];
        PolicySnapshots.forward(v1).weights(x, expected);
        assertThat(served).containsExactly(expected, within(0.0));
        assertThat(holder.current().version()).isEqualTo(1);
        assertThat(holder.acceptedCount()).isEqualTo(1);
    }

    @Test
    void shouldKeepTheLastGoodPolicyOnStaleVersions() {
        holder.offer(TestSnapshots.random("m", 5, 1));
        assertThat(holder.offer(TestSnapshots.random("m", 5, 2)).status()).isEqualTo(SnapshotOutcome.Status.REJECTED_STALE);
        assertThat(holder.offer(TestSnapshots.random("m", 3, 3)).status()).isEqualTo(SnapshotOutcome.Status.REJECTED_STALE);
        assertThat(holder.current().version()).isEqualTo(5);
        assertThat(holder.rejectedStaleCount()).isEqualTo(2);
    }

    @Test
    void shouldRejectATamperedChecksum() {
        holder.offer(TestSnapshots.random("m", 1, 1));
        PolicySnapshot bad = TestSnapshots.random("m", 2, 2);
        bad.setChecksum(bad.getChecksum() ^ 1);
        SnapshotOutcome o = holder.offer(bad);
        assertThat(o.status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(o.problems()).extracting(SnapshotProblem::kind).contains(SnapshotProblem.Kind.CHECKSUM_MISMATCH);
        assertThat(holder.current().version()).isEqualTo(1);
    }

    @Test
    void shouldRejectNonFiniteValuesEvenWithAMatchingChecksum() {
        PolicySnapshot bad = TestSnapshots.random("m", 2, 2);
        List<ParameterTensor> tensors = new ArrayList<>(bad.getParameters());
        ParameterTensor t = tensors.get(0);
        List<Double> values = new ArrayList<>(t.getValues());
        values.set(0, Double.NaN);
        tensors.set(0, new ParameterTensor(t.getName(), t.getShape(), values));
        bad.setParameters(tensors);
        bad.setChecksum(io.grade.model.policy.PolicyChecksum.compute(tensors));
        SnapshotOutcome o = holder.offer(bad);
        assertThat(o.status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(o.problems()).extracting(SnapshotProblem::kind).contains(SnapshotProblem.Kind.NON_FINITE_VALUE);
        assertThat(holder.current().isStatic()).isTrue();
    }

    @Test
    void shouldRejectAWrongShapeAndOtherTasks() {
        PolicySnapshot bad = TestSnapshots.random("m", 2, 2);
        List<ParameterTensor> tensors = new ArrayList<>(bad.getParameters());
        ParameterTensor t = tensors.get(0);
        tensors.set(0, new ParameterTensor(t.getName(), List.of(t.getValues().size()), t.getValues()));
        bad.setParameters(tensors);
        bad.setChecksum(io.grade.model.policy.PolicyChecksum.compute(tensors));
        assertThat(holder.offer(bad).status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);

        PolicySnapshot otherTasks = TestSnapshots.random("m", 3, 3);
        otherTasks.setTaskNames(List.of("ctr", "cvr", "gpm", "opm"));
        assertThat(holder.offer(otherTasks).status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(holder.rejectedInvalidCount()).isEqualTo(2);
        assertThat(holder.current().isStatic()).isTrue();
    }

    @Test
    void shouldIgnoreOtherModels() {
        assertThat(holder.offer(TestSnapshots.random("other", 9, 1)).status())
                .isEqualTo(SnapshotOutcome.Status.IGNORED_OTHER_MODEL);
        assertThat(holder.current().version()).isZero();
    }
}
