package io.grade.jobs.learner;

import static io.grade.jobs.learner.LearnerFunctionHarnessTest.feedAndPublish;
import static io.grade.jobs.learner.LearnerFunctionHarnessTest.harness;
import static io.grade.jobs.learner.LearnerFunctionHarnessTest.published;
import static io.grade.jobs.learner.LearnerFunctionHarnessTest.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.grade.core.policy.PolicyNetwork;
import io.grade.jobs.publish.PolicyTopicRecord;
import io.grade.model.policy.PolicyControls;
import io.grade.model.policy.PolicyKeySource;
import io.grade.model.policy.PolicyKeys;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.PolicySnapshots;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.EventCodec;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learner's second input, the policy topic: pins hold publishing, other writers' versions raise
 * the next version, rollback versions are continued from, unsigned control records are refused
 * when the job verifies, and all of it survives a restore.
 */
class LearnerPolicyTopicHarnessTest {

    private static final EventCodec<PolicySnapshot> SNAPSHOTS = EventCodec.policySnapshots();
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    private static StreamRecord<PolicyTopicRecord> control(long sequence, PolicySnapshot pinned, KeyPair signer) {
        var c = PolicyControls.of("m", sequence, NOW, "ops", false, pinned);
        if (signer != null) {
            c = PolicyControls.sign(c, signer.getPrivate());
        }
        return new StreamRecord<>(new PolicyTopicRecord(true, EventCodec.policyControls().encode(c), null));
    }

    private static StreamRecord<PolicyTopicRecord> snapshot(PolicySnapshot s, String origin) {
        return new StreamRecord<>(new PolicyTopicRecord(false, SNAPSHOTS.encode(s), origin));
    }

    private static double distance(PolicySnapshot a, PolicySnapshot b) {
        PolicyParameters pa = PolicySnapshots.parameters(a);
        PolicyParameters pb = PolicySnapshots.parameters(b);
        double sq = 0;
        for (String name : pa.names()) {
            double[] x = pa.valuesView(name);
            double[] y = pb.valuesView(name);
            for (int i = 0; i < x.length; i++) {
                sq += (x[i] - y[i]) * (x[i] - y[i]);
            }
        }
        return Math.sqrt(sq);
    }

    @Test
    void aPinShouldHoldPublishingWhileTrainingGoesOnAndUnpinShouldResumeAboveIt() throws Exception {
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            feedAndPublish(h, 1);
            PolicySnapshot v1 = published(h).get(0);

            h.processElement2(control(1, v1, null));
            feedAndPublish(h, 2);
            feedAndPublish(h, 3);
            assertThat(published(h)).as("pinned: nothing published").hasSize(1);

            h.processElement2(control(2, null, null));
            feedAndPublish(h, 4);
            List<PolicySnapshot> all = published(h);
            assertThat(all).extracting(PolicySnapshot::getVersion).containsExactly(1L, 2L);
            assertThat(all.get(1).getStats().getUpdates()).as("training went on while pinned")
                    .isGreaterThan(v1.getStats().getUpdates() * 2);
        }
    }

    @Test
    void aVersionOnTheTopicThatTheLearnerDidNotWriteShouldRaiseItsNextVersionAlsoAfterARestore() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState saved;
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            feedAndPublish(h, 1);
            PolicySnapshot v1 = published(h).get(0);
            h.processElement2(snapshot(v1, null)); // its own version coming back: no change
            h.processElement2(snapshot(PolicySnapshot.newBuilder(v1).setVersion(40).build(), null));
            feedAndPublish(h, 2);
            assertThat(published(h)).extracting(PolicySnapshot::getVersion).containsExactly(1L, 41L);
            h.processElement2(snapshot(PolicySnapshot.newBuilder(v1).setVersion(60).build(), null));
            saved = h.snapshot(1, 20_000);
        }
        try (var h = harness(settings(null))) {
            h.initializeState(saved);
            h.open();
            h.setProcessingTime(20_000);
            feedAndPublish(h, 3);
            assertThat(published(h)).extracting(PolicySnapshot::getVersion).containsExactly(61L);
        }
    }

    @Test
    void aRollbackVersionShouldBeContinuedFromAndPublishedAbove() throws Exception {
        LearnerSettings s = settings(null);
        try (var h = harness(s)) {
            h.open();
            h.setProcessingTime(0);
            feedAndPublish(h, 1);
            PolicySnapshot v1 = published(h).get(0);
            PolicySnapshot other = PolicySnapshots.toSnapshot(s.architecture(),
                    new PolicyNetwork(s.architecture(), 4242).parameters(), PolicySnapshots.metadata(v1));
            PolicySnapshot rollback = PolicySnapshot.newBuilder(other).setVersion(7).build();

            h.processElement2(snapshot(rollback, "rollback to v3 by ops"));
            feedAndPublish(h, 2);

            PolicySnapshot next = published(h).get(1);
            assertThat(next.getVersion()).isEqualTo(8);
            assertThat(distance(next, rollback)).as("continued from the rollback's parameters")
                    .isLessThan(distance(next, v1) / 5);
        }
    }

    @Test
    void withAVerifyKeyAnUnsignedPinShouldBeRejectedAndPublishingGoOn(@TempDir Path dir) throws Exception {
        KeyPair keys = PolicySignatures.generateKeyPair();
        Path pub = dir.resolve("policy.pub");
        PolicyKeys.write(pub, keys.getPublic());
        LearnerSettings s = settings(null).verifyingWith(PolicyKeySource.file(pub.toString()));
        try (var h = harness(s)) {
            h.open();
            h.setProcessingTime(0);
            feedAndPublish(h, 1);
            PolicySnapshot v1 = published(h).get(0);
            h.processElement2(control(1, v1, null));
            h.processElement2(snapshot(PolicySnapshot.newBuilder(v1).setVersion(90).build(), null)); // unsigned
            feedAndPublish(h, 2);
            assertThat(published(h)).extracting(PolicySnapshot::getVersion)
                    .as("the unsigned pin and the unsigned v90 are ignored").containsExactly(1L, 2L);
        }
    }
}
