package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.FusionKind;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicySnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SnapshotValidatorTest {

    private static final PolicyArchitecture ARCH = new PolicyArchitecture(4, 2, 3, 3, 3, 1e-3);

    private static PolicySnapshot valid() {
        return PolicySnapshots.toSnapshot(ARCH, PolicyTestData.random(ARCH, 8, 1.0), PolicyTestData.metadata(3));
    }

    /** A copy of a valid snapshot with its tensors edited, optionally re-checksummed (so only the edit is wrong). */
    private static PolicySnapshot edited(Consumer<List<ParameterTensor>> edit, boolean fixChecksum) {
        PolicySnapshot s = PolicySnapshot.newBuilder(valid()).build();
        List<ParameterTensor> tensors = new ArrayList<>();
        for (ParameterTensor t : s.getParameters()) {
            tensors.add(ParameterTensor.newBuilder(t).setShape(new ArrayList<>(t.getShape()))
                    .setValues(new ArrayList<>(t.getValues())).build());
        }
        edit.accept(tensors);
        s.setParameters(tensors);
        if (fixChecksum) {
            s.setChecksum(PolicyChecksum.compute(tensors));
        }
        return s;
    }

    private static List<Kind> kinds(List<SnapshotProblem> problems) {
        return problems.stream().map(SnapshotProblem::kind).toList();
    }

    @Test
    void shouldAcceptAValidSnapshot() {
        assertThat(SnapshotValidator.validate(valid())).isEmpty();
        assertThat(SnapshotValidator.validate(valid(), List.of("ctr", "cvr", "opm"), 4)).isEmpty();
    }

    @Test
    void shouldReportAChecksumMismatchWhenOneValueChanged() {
        PolicySnapshot s = edited(t -> t.get(2).getValues().set(0, t.get(2).getValues().get(0) + 1e-12), false);
        assertThat(kinds(SnapshotValidator.validate(s))).containsExactly(Kind.CHECKSUM_MISMATCH);
    }

    @Test
    void shouldReportAMissingTensor() {
        PolicySnapshot s = edited(t -> t.removeIf(x -> x.getName().equals("tower.b")), true);
        assertThat(kinds(SnapshotValidator.validate(s))).containsExactly(Kind.MISSING_TENSOR);
    }

    @Test
    void shouldReportAnExtraOrDuplicatedTensor() {
        PolicySnapshot extra = edited(t -> t.add(ParameterTensor.newBuilder().setName("expert9.W")
                .setShape(List.of(1)).setValues(List.of(0.0)).build()), true);
        assertThat(kinds(SnapshotValidator.validate(extra))).containsExactly(Kind.EXTRA_TENSOR);
        PolicySnapshot duplicate = edited(t -> t.add(t.get(0)), true);
        assertThat(kinds(SnapshotValidator.validate(duplicate))).containsExactly(Kind.EXTRA_TENSOR);
    }

    @Test
    void shouldReportAShapeThatDoesNotFitTheArchitecture() {
        // tower.W 3x3 declared as 9 (right count, wrong shape)
        PolicySnapshot s = edited(t -> t.set(6, ParameterTensor.newBuilder(t.get(6)).setShape(List.of(9)).build()), true);
        assertThat(s.getParameters().get(6).getName()).isEqualTo("tower.W");
        assertThat(kinds(SnapshotValidator.validate(s))).containsExactly(Kind.WRONG_SHAPE);
    }

    @Test
    void shouldReportAValueCountThatDoesNotMatchTheShape() {
        PolicySnapshot s = edited(t -> t.get(1).getValues().remove(0), true);
        assertThat(kinds(SnapshotValidator.validate(s))).containsExactly(Kind.VALUE_COUNT_MISMATCH);
    }

    @Test
    void shouldReportNonFiniteParameterValuesAndMetadata() {
        PolicySnapshot nan = edited(t -> t.get(4).getValues().set(1, Double.NaN), true);
        assertThat(kinds(SnapshotValidator.validate(nan))).containsExactly(Kind.NON_FINITE_VALUE);
        PolicySnapshot inf = edited(t -> t.get(9).getValues().set(0, Double.POSITIVE_INFINITY), true);
        assertThat(kinds(SnapshotValidator.validate(inf))).containsExactly(Kind.NON_FINITE_VALUE);
        PolicySnapshot alpha = PolicySnapshot.newBuilder(valid()).setAlphaHat(Double.NaN).build();
        assertThat(kinds(SnapshotValidator.validate(alpha))).containsExactly(Kind.NON_FINITE_VALUE);
    }

    @Test
    void shouldReportATaskCountMismatch() {
        PolicySnapshot fourNames = PolicySnapshot.newBuilder(valid()).setTaskNames(List.of("ctr", "cvr", "opm", "gpm"))
                .setBetas(List.of(1e-4, 1e-4, 1e-4, 1e-4)).build();
        assertThat(kinds(SnapshotValidator.validate(fourNames))).containsOnly(Kind.TASK_COUNT_MISMATCH).isNotEmpty();
        PolicySnapshot betas = PolicySnapshot.newBuilder(valid()).setBetas(List.of(1e-4)).build();
        assertThat(kinds(SnapshotValidator.validate(betas))).containsExactly(Kind.TASK_COUNT_MISMATCH);
        assertThat(kinds(SnapshotValidator.validate(valid(), List.of("ctr", "cvr", "opm", "gpm"), 4)))
                .containsExactly(Kind.TASK_COUNT_MISMATCH);
        assertThat(kinds(SnapshotValidator.validate(valid(), List.of("ctr", "cvr", "gpm"), 4)))
                .containsExactly(Kind.TASK_NAMES_MISMATCH);
    }

    @Test
    void shouldReportAFeatureDimensionMismatch() {
        PolicySnapshot s = PolicySnapshot.newBuilder(valid()).setFeatureDim(5).build();
        assertThat(kinds(SnapshotValidator.validate(s))).containsOnly(Kind.FEATURE_DIM_MISMATCH).hasSize(3);
        assertThat(kinds(SnapshotValidator.validate(valid(), List.of("ctr", "cvr", "opm"), 6)))
                .containsExactly(Kind.FEATURE_DIM_MISMATCH);
    }

    @Test
    void shouldReportAnInvalidArchitecture() {
        PolicySnapshot s = PolicySnapshot.newBuilder(valid()).setEpsilonFloor(0.5).build();
        assertThat(kinds(SnapshotValidator.validate(s))).containsExactly(Kind.INVALID_ARCHITECTURE);
    }

    @Test
    void shouldRefuseToBuildAForwardPassForAnInvalidSnapshot() {
        PolicySnapshot s = edited(t -> t.get(0).getValues().set(0, Double.NaN), true);
        assertThatThrownBy(() -> PolicySnapshots.forward(s)).hasMessageContaining("NON_FINITE_VALUE");
    }

    private static final SnapshotExpectations EXPECTED = SnapshotExpectations.of(List.of("ctr", "cvr", "opm"), 4,
            FusionKind.LOG_LINEAR, new double[] {1e-4, 1e-4, 1e-4});

    /** A copy of a valid snapshot with metadata edited; the checksum covers only the tensors, so it stays right. */
    private static PolicySnapshot with(Consumer<PolicySnapshot.Builder> edit) {
        PolicySnapshot.Builder b = PolicySnapshot.newBuilder(valid());
        edit.accept(b);
        PolicySnapshot s = b.build();
        assertThat(s.getChecksum()).isEqualTo(PolicyChecksum.compute(s.getParameters()));
        return s;
    }

    @Test
    void shouldAcceptAValidSnapshotThatMeetsTheExpectations() {
        assertThat(SnapshotValidator.validate(valid(), EXPECTED, 0)).isEmpty();
        assertThat(SnapshotValidator.validate(valid(), EXPECTED, 6)).isEmpty();
        assertThat(SnapshotValidator.validate(with(b -> b.setVersion(PolicyVersions.MAX_VERSION)), EXPECTED, 0)).isEmpty();
    }

    @Test
    void shouldRejectVersionsWhoseSuccessorCouldOverflow() {
        for (long v : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, PolicyVersions.MAX_VERSION + 1, 0, -1,
            Long.MIN_VALUE}) {
            PolicySnapshot s = with(b -> b.setVersion(v));
            assertThat(kinds(SnapshotValidator.validate(s))).as("v%d", v).containsExactly(Kind.VERSION_OUT_OF_RANGE);
            assertThat(kinds(SnapshotValidator.validate(s, EXPECTED, 0))).as("v%d", v)
                    .containsExactly(Kind.VERSION_OUT_OF_RANGE);
        }
    }

    @Test
    void shouldRejectAJumpLargerThanTheBoundOverTheHeldVersion() {
        SnapshotExpectations tight = EXPECTED.withMaxVersionJump(10);
        PolicySnapshot v7 = valid();
        assertThat(SnapshotValidator.validate(v7, tight, 0)).isEmpty(); // nothing held: no reference
        assertThat(SnapshotValidator.validate(v7, tight, 1)).isEmpty(); // +6
        assertThat(SnapshotValidator.validate(with(b -> b.setVersion(17)), tight, 7)).isEmpty(); // +10
        List<SnapshotProblem> jump = SnapshotValidator.validate(with(b -> b.setVersion(18)), tight, 7);
        assertThat(kinds(jump)).containsExactly(Kind.VERSION_JUMP);
        assertThat(jump.get(0).detail()).contains("18", "v7", "10");
        assertThat(SnapshotValidator.validate(with(b -> b.setVersion(3)), tight, 7)).isEmpty(); // stale: the holder's call
    }

    @Test
    void shouldRejectAnotherFusionOtherBetasAndOtherTaskNames() {
        assertThat(kinds(SnapshotValidator.validate(with(b -> b.setFusion(FusionKind.LINEAR)), EXPECTED, 0)))
                .containsExactly(Kind.FUSION_MISMATCH);
        assertThat(kinds(SnapshotValidator.validate(with(b -> b.setBetas(List.of(-1e9, -1e9, -1e9))), EXPECTED, 0)))
                .containsExactly(Kind.BETAS_MISMATCH);
        assertThat(kinds(SnapshotValidator.validate(with(b -> b.setBetas(List.of(1e-4, 1e-4, 2e-4))), EXPECTED, 0)))
                .containsExactly(Kind.BETAS_MISMATCH);
        assertThat(kinds(SnapshotValidator.validate(with(b -> b.setTaskNames(List.of("ctr", "opm", "cvr"))),
                EXPECTED, 0))).containsExactly(Kind.TASK_NAMES_MISMATCH);
    }

    @Test
    void shouldRejectNonPositiveConcentrations() {
        for (double bad : new double[] {-1.0, 0.0, -Double.MIN_VALUE}) {
            assertThat(kinds(SnapshotValidator.validate(with(b -> b.setAlphaHat(bad)), EXPECTED, 0)))
                    .containsExactly(Kind.NON_POSITIVE_CONCENTRATION);
            assertThat(kinds(SnapshotValidator.validate(with(b -> b.setAlphaMin(bad)), EXPECTED, 0)))
                    .containsExactly(Kind.NON_POSITIVE_CONCENTRATION);
        }
        assertThat(kinds(SnapshotValidator.validate(with(b -> b.setAlphaMin(Double.NaN)), EXPECTED, 0)))
                .containsExactly(Kind.NON_FINITE_VALUE);
    }

    @Test
    void shouldRefuseExpectationsThatCannotDescribeAPolicy() {
        assertThatThrownBy(() -> SnapshotExpectations.of(List.of("a", "b"), 4, FusionKind.LOG_LINEAR, new double[] {0}))
                .hasMessageContaining("one entry per task");
        assertThatThrownBy(() -> EXPECTED.withMaxVersionJump(0)).hasMessageContaining("maxVersionJump");
        assertThatThrownBy(() -> SnapshotExpectations.of(List.of("a"), 0, FusionKind.LOG_LINEAR, new double[] {0}))
                .hasMessageContaining("feature dimension");
    }

    @Test
    void nextVersionShouldFailClearlyInsteadOfOverflowing() {
        assertThat(PolicyVersions.next(0)).isEqualTo(1);
        assertThat(PolicyVersions.next(PolicyVersions.MAX_VERSION - 1)).isEqualTo(PolicyVersions.MAX_VERSION);
        assertThatThrownBy(() -> PolicyVersions.next(PolicyVersions.MAX_VERSION)).hasMessageContaining("2^53");
        assertThatThrownBy(() -> PolicyVersions.next(Long.MAX_VALUE)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PolicyVersions.next(-5)).isInstanceOf(IllegalStateException.class);
    }
}
