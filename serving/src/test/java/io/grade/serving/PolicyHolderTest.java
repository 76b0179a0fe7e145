package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotValidator;
import io.grade.model.policy.SnapshotProblem;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicySnapshot;
import io.grade.model.policy.PolicyVersions;
import io.grade.model.policy.SnapshotExpectations;
import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.FusionKind;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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

    /** A valid snapshot with edited metadata (the checksum covers the tensors only, so it stays valid). */
    private static PolicySnapshot poison(long version, Consumer<PolicySnapshot> edit) {
        PolicySnapshot s = TestSnapshots.random("m", version, version);
        edit.accept(s);
        s.setChecksum(io.grade.model.policy.PolicyChecksum.compute(s.getParameters()));
        return s;
    }

    @Test
    void aFreshHolderShouldRejectLongMaxValueAndKeepAcceptingGenuineVersions() {
        SnapshotOutcome o = holder.offer(poison(Long.MAX_VALUE, s -> { }));
        assertThat(o.status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(o.problems()).extracting(SnapshotProblem::kind).containsExactly(Kind.VERSION_OUT_OF_RANGE);
        assertThat(holder.offer(poison(PolicyVersions.MAX_VERSION + 1, s -> { })).status())
                .isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(holder.current().isStatic()).isTrue();
        assertThat(holder.offer(TestSnapshots.random("m", 1, 1)).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        assertThat(holder.offer(TestSnapshots.random("m", 2, 2)).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        assertThat(holder.current().version()).isEqualTo(2);
        assertThat(holder.rejectionsByReason()).containsExactly(Map.entry(Kind.VERSION_OUT_OF_RANGE, 2L));
    }

    @Test
    void shouldRejectAnotherFusionHostileBetasAndNonPositiveConcentrationsByReason() {
        holder.offer(TestSnapshots.random("m", 5, 5));
        assertThat(holder.offer(poison(6, s -> s.setFusion(FusionKind.LINEAR))).problems())
                .extracting(SnapshotProblem::kind).containsExactly(Kind.FUSION_MISMATCH);
        assertThat(holder.offer(poison(6, s -> s.setBetas(List.of(-1e9, -1e9, -1e9, -1e9)))).problems())
                .extracting(SnapshotProblem::kind).containsExactly(Kind.BETAS_MISMATCH);
        assertThat(holder.offer(poison(6, s -> s.setAlphaHat(-8.0))).problems())
                .extracting(SnapshotProblem::kind).containsExactly(Kind.NON_POSITIVE_CONCENTRATION);
        assertThat(holder.offer(poison(6, s -> s.setAlphaMin(-0.05))).problems())
                .extracting(SnapshotProblem::kind).containsExactly(Kind.NON_POSITIVE_CONCENTRATION);
        assertThat(holder.offer(poison(6, s -> s.setTaskNames(List.of("cvr", "ctr", "opm", "gpm")))).problems())
                .extracting(SnapshotProblem::kind).containsExactly(Kind.TASK_NAMES_MISMATCH);
        assertThat(holder.current().version()).isEqualTo(5);

        assertThat(holder.offer(TestSnapshots.random("m", 6, 6)).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        assertThat(holder.rejectedInvalidCount()).isEqualTo(5);
        assertThat(holder.rejectionsByReason()).containsOnly(Map.entry(Kind.FUSION_MISMATCH, 1L),
                Map.entry(Kind.BETAS_MISMATCH, 1L), Map.entry(Kind.NON_POSITIVE_CONCENTRATION, 2L),
                Map.entry(Kind.TASK_NAMES_MISMATCH, 1L));
        // The served policy explores without throwing (alphaHat, alphaMin > 0).
        var rng = org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(3L);
        double[] scores = new double[2 * 4];
        java.util.Arrays.fill(scores, 0.5);
        assertThat(Ranker.rankExploring(holder.current(), TestSnapshots.features(1), scores, 2, rng).order())
                .containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void shouldRejectAVersionJumpAboveTheBoundAndAcceptTheNextGenuineVersion() {
        ServingPolicy fallback = TestSnapshots.staticFallback("m");
        PolicyHolder h = new PolicyHolder(fallback, PolicyHolder.expectationsOf(fallback).withMaxVersionJump(100),
                Clock.systemUTC());
        h.offer(TestSnapshots.random("m", 5, 5));
        SnapshotOutcome jump = h.offer(TestSnapshots.random("m", 106, 106));
        assertThat(jump.problems()).extracting(SnapshotProblem::kind).containsExactly(Kind.VERSION_JUMP);
        assertThat(h.offer(TestSnapshots.random("m", 105, 105)).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        assertThat(h.lastAcceptedAt()).isNotNull();
    }

    @Test
    void shouldRefuseExpectationsTheFallbackDoesNotMeet() {
        ServingPolicy fallback = TestSnapshots.staticFallback("m");
        SnapshotExpectations linear = SnapshotExpectations.of(TestSnapshots.TASKS, TestSnapshots.FEATURES,
                FusionKind.LINEAR, TestSnapshots.BETAS);
        assertThatThrownBy(() -> new PolicyHolder(fallback, linear, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fusion=LINEAR")
                .hasMessageContaining("fusion=LOG_LINEAR");
        SnapshotExpectations otherTasks = SnapshotExpectations.of(List.of("ctr", "cvr", "opm", "gmv"),
                TestSnapshots.FEATURES, FusionKind.LOG_LINEAR, TestSnapshots.BETAS);
        assertThatThrownBy(() -> PolicyClient.builder("127.0.0.1:1", "t", fallback).expectations(otherTasks).build())
                .hasMessageContaining("gmv");
        assertThatThrownBy(() -> PolicyClient.builder("127.0.0.1:1", "t", fallback)
                .backoff(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(1)).build())
                .hasMessageContaining("backoff");
    }

    @Test
    void withAKeyShouldAcceptSignedAndRejectForgedAndUnsignedSnapshotsKeepingTheLastGood() throws Exception {
        KeyPair job = PolicySignatures.generateKeyPair();
        PolicyHolder verifying = new PolicyHolder(TestSnapshots.staticFallback("m"),
                PolicyHolder.expectationsOf(TestSnapshots.staticFallback("m")), Clock.systemUTC(), job.getPublic());
        assertThat(verifying.verifiesSignatures()).isTrue();
        PolicySnapshot v1 = PolicySignatures.sign(TestSnapshots.random("m", 1, 1), job.getPrivate());
        assertThat(verifying.offer(v1).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);

        PolicySnapshot forged = TestSnapshots.forged(v1, 2);
        assertThat(SnapshotValidator.validate(forged)).isEmpty(); // the checksum does not stop it
        SnapshotOutcome o = verifying.offer(forged);
        assertThat(o.status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(o.problems()).extracting(SnapshotProblem::kind).containsExactly(Kind.SIGNATURE_INVALID);
        KeyPair attacker = PolicySignatures.generateKeyPair();
        assertThat(verifying.offer(PolicySignatures.sign(forged, attacker.getPrivate())).problems())
                .extracting(SnapshotProblem::kind).containsExactly(Kind.SIGNATURE_INVALID);
        assertThat(verifying.offer(TestSnapshots.random("m", 3, 3)).problems())
                .extracting(SnapshotProblem::kind).containsExactly(Kind.SIGNATURE_MISSING);
        assertThat(verifying.current().version()).isEqualTo(1);
        assertThat(verifying.rejectionsByReason()).isEqualTo(Map.of(Kind.SIGNATURE_INVALID, 2L,
                Kind.SIGNATURE_MISSING, 1L));

        java.security.PublicKey rsa = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair().getPublic();
        assertThatThrownBy(() -> new PolicyHolder(TestSnapshots.staticFallback("m"),
                PolicyHolder.expectationsOf(TestSnapshots.staticFallback("m")), Clock.systemUTC(), rsa))
                .hasMessageStartingWith("policy verification needs an Ed25519 public key, got RSA");

        assertThat(holder.verifiesSignatures()).isFalse(); // no key: unchanged, the forgery is served
        assertThat(holder.offer(forged).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        double[] w = new double[4];
        holder.current().weights(TestSnapshots.features(1), w);
        assertThat(w[0]).isGreaterThan(0.99);
    }
}
