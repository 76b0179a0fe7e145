package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.model.policy.PolicyControls;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Pin, unpin and kill switch as {@link PolicyHolder} applies them. */
class PolicyHolderControlTest {

    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final KeyPair KEYS = PolicySignatures.generateKeyPair();

    private final PolicyHolder holder = new PolicyHolder(TestSnapshots.staticFallback("m"));

    private static PolicyControl control(long sequence, boolean kill, PolicySnapshot pinned) {
        return PolicyControls.of("m", sequence, NOW, "ops@test", kill, pinned);
    }

    private static double[] weights(ServingPolicy p) {
        double[] w = new double[4];
        p.weights(TestSnapshots.features(3), w);
        return w;
    }

    @Test
    void aPinShouldServeThePinnedVersionEvenWhenNewerVersionsArriveAndUnpinShouldResumeTheNewest() {
        PolicySnapshot v1 = TestSnapshots.random("m", 1, 11);
        holder.offer(v1);
        holder.offer(TestSnapshots.random("m", 2, 12));

        assertThat(holder.offerControl(control(1, false, v1)).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        assertThat(holder.current().version()).isEqualTo(1);
        assertThat(weights(holder.current())).isEqualTo(weights(ServingPolicy.fromSnapshot(v1)));

        assertThat(holder.offer(TestSnapshots.random("m", 3, 13)).status()).isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        assertThat(holder.current().version()).as("newer versions are accepted, not served, while pinned")
                .isEqualTo(1);
        assertThat(holder.latestVersion()).isEqualTo(3);
        assertThat(holder.pinnedVersion()).isEqualTo(1);

        holder.offerControl(control(2, false, null));
        assertThat(holder.current().version()).isEqualTo(3);
        assertThat(holder.pinnedVersion()).isZero();
    }

    @Test
    void theKillSwitchShouldServeTheStaticFallbackAndOffShouldRestoreWhatWasServedBefore() {
        PolicySnapshot v1 = TestSnapshots.random("m", 1, 11);
        holder.offer(v1);
        holder.offer(TestSnapshots.random("m", 2, 12));
        holder.offerControl(control(1, false, v1));

        holder.offerControl(control(2, true, v1));
        assertThat(holder.current().isStatic()).isTrue();
        assertThat(weights(holder.current())).containsExactly(0.25, 0.25, 0.25, 0.25);
        holder.offer(TestSnapshots.random("m", 3, 13));
        assertThat(holder.current().isStatic()).as("no version is served under the kill switch").isTrue();

        holder.offerControl(control(3, false, v1));
        assertThat(holder.current().version()).as("kill switch off, still pinned").isEqualTo(1);
        assertThat(holder.killSwitch()).isFalse();
        assertThat(holder.controlsAcceptedCount()).isEqualTo(3);
    }

    @Test
    void aReplayedOlderControlRecordShouldBeIgnoredAsStale() {
        holder.offer(TestSnapshots.random("m", 1, 11));
        holder.offerControl(control(5, true, null));

        assertThat(holder.offerControl(control(4, false, null)).status())
                .isEqualTo(SnapshotOutcome.Status.REJECTED_STALE);
        assertThat(holder.current().isStatic()).isTrue();
        assertThat(holder.controlsStaleCount()).isEqualTo(1);
    }

    @Test
    void withAVerifyKeyAnUnsignedOrForgedControlRecordShouldBeRejectedAndTheHeldStateKept() {
        PolicyHolder verifying = new PolicyHolder(TestSnapshots.staticFallback("m"),
                PolicyHolder.expectationsOf(TestSnapshots.staticFallback("m")), Clock.systemUTC(), KEYS.getPublic());
        PolicySnapshot v1 = PolicySignatures.sign(TestSnapshots.random("m", 1, 11), KEYS.getPrivate());
        verifying.offer(v1);

        PolicyControl unsigned = control(1, true, null);
        PolicyControl forged = PolicyControls.sign(control(2, true, null),
                PolicySignatures.generateKeyPair().getPrivate());
        assertThat(verifying.offerControl(unsigned).status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(verifying.offerControl(forged).status()).isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(verifying.current().version()).isEqualTo(1);
        assertThat(verifying.killSwitch()).isFalse();
        assertThat(verifying.controlsRejectedCount()).isEqualTo(2);
        assertThat(verifying.rejectionsByReason()).containsEntry(Kind.SIGNATURE_MISSING, 1L)
                .containsEntry(Kind.SIGNATURE_INVALID, 1L);

        assertThat(verifying.offerControl(PolicyControls.sign(control(3, true, null), KEYS.getPrivate())).status())
                .isEqualTo(SnapshotOutcome.Status.ACCEPTED);
        assertThat(verifying.current().isStatic()).isTrue();
    }

    @Test
    void aPinOfASnapshotThatDoesNotFitTheModelShouldBeRejected() {
        holder.offer(TestSnapshots.random("m", 2, 12));
        PolicySnapshot wrongShape = TestSnapshots.random("m", 1, 11);
        wrongShape.setFeatureDim(TestSnapshots.FEATURES + 1);

        assertThat(holder.offerControl(control(1, false, wrongShape)).status())
                .isEqualTo(SnapshotOutcome.Status.REJECTED_INVALID);
        assertThat(holder.current().version()).isEqualTo(2);
        assertThat(holder.pinnedVersion()).isZero();
    }

    @Test
    void aPinAboveTheNewestSeenShouldNotBeUndercutAfterUnpin() {
        holder.offer(TestSnapshots.random("m", 2, 12));
        holder.offerControl(control(1, false, TestSnapshots.random("m", 4, 14)));
        holder.offerControl(control(2, false, null));

        assertThat(holder.current().version()).isEqualTo(4);
        assertThat(holder.offer(TestSnapshots.random("m", 3, 13)).status())
                .isEqualTo(SnapshotOutcome.Status.REJECTED_STALE);
    }
}
