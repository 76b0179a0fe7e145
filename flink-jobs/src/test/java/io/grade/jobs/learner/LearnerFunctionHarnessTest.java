package io.grade.jobs.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.core.grpo.GrpoConfig;
import io.grade.core.data.TrainingRequest;
import io.grade.core.learner.GateSettings;
import io.grade.core.learner.HoldoutSelector;
import io.grade.core.learner.HoldoutWindow;
import io.grade.core.learner.QualityGate;
import io.grade.core.learner.QualityGateConfig;
import io.grade.core.learner.WeightsFunction;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicyKeySource;
import io.grade.model.policy.PolicyKeys;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.SnapshotProblem;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.reward.CompositeReward;
import io.grade.core.learner.OnlineLearnerConfig;
import io.grade.jobs.publish.PublishedPolicy;
import io.grade.jobs.session.LabelledRequest;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyVersions;
import io.grade.model.policy.SnapshotValidator;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.EventCodec;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import io.grade.jobs.publish.PolicyTopicRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnerFunctionHarnessTest {

    private static final List<String> TASKS = List.of("ctr", "cvr", "gmv");
    private static final int FEATURES = 6;
    private static final int ITEMS = 12;
    private static final int UPDATE_EVERY = 16;
    private static final int REPLAY_CAPACITY = 24;
    private static final int REPLAY_UPDATES = 2;
    private static final EventCodec<PolicySnapshot> CODEC = EventCodec.policySnapshots();

    static LearnerSettings settings(byte[] warmStart) {
        return settings(warmStart, null, 1e-3);
    }

    static LearnerSettings settings(byte[] warmStart, GateSettings gate, double learningRate) {
        return settings(warmStart, gate, learningRate, null);
    }

    static LearnerSettings settings(byte[] warmStart, GateSettings gate, double learningRate,
                                    PolicyKeySource signingKey) {
        PolicyArchitecture arch = new PolicyArchitecture(FEATURES, 2, 8, 8, TASKS.size(), 1e-3);
        GrpoConfig grpo = GrpoConfig.defaults().withGroupSize(8).withBatchSize(UPDATE_EVERY).withSeed(3)
                .withLearningRate(learningRate);
        // A replay ring smaller than two batches, so the restore test runs on a ring that has wrapped.
        OnlineLearnerConfig online = new OnlineLearnerConfig(grpo, REPLAY_CAPACITY, REPLAY_UPDATES, 1_000_000L);
        return new LearnerSettings("m", TASKS, arch, FusionKind.LOG_LINEAR, new double[] {1e-3, 1e-3, 1e-3},
                RewardConfig.defaults(TASKS.size()), online, UPDATE_EVERY, Duration.ofSeconds(5),
                Duration.ofSeconds(10), 11L, warmStart, gate, signingKey);
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, LabelledRequest, PolicyTopicRecord, PublishedPolicy> harness(LearnerSettings s)
            throws Exception {
        LearnerOperator op = new LearnerOperator(new LearnerFunction(s), s.modelId());
        return new KeyedTwoInputStreamOperatorTestHarness<>(op, r -> r.modelId, r -> s.modelId(), Types.STRING);
    }

    static List<LabelledRequest> requests(int n, long seed) {
        Random rng = new Random(seed);
        List<LabelledRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            LabelledRequest r = new LabelledRequest();
            r.userId = "u" + rng.nextInt(50);
            r.requestId = "r" + seed + "-" + i;
            r.modelId = "m";
            r.eventTime = 1_000_000L + i * 1000L;
            r.closeTime = r.eventTime + 600_000L;
            r.items = ITEMS;
            r.tasks = TASKS.size();
            r.features = new float[FEATURES];
            for (int k = 0; k < FEATURES; k++) {
                r.features[k] = (float) rng.nextGaussian();
            }
            r.scores = new float[ITEMS * TASKS.size()];
            r.labels = new double[ITEMS * TASKS.size()];
            for (int j = 0; j < ITEMS; j++) {
                for (int k = 0; k < TASKS.size(); k++) {
                    r.scores[j * TASKS.size() + k] = (float) (0.01 + rng.nextDouble());
                    r.labels[j * TASKS.size() + k] = rng.nextDouble() < 0.15 ? 1.0 : 0.0;
                }
            }
            r.itemIds = new String[ITEMS];
            r.positions = new int[ITEMS];
            for (int j = 0; j < ITEMS; j++) {
                r.itemIds[j] = "i" + j;
                r.positions[j] = j < 5 ? j : -1;
            }
            r.servedWeights = new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3};
            out.add(r);
        }
        return out;
    }

    static List<PolicySnapshot> published(KeyedTwoInputStreamOperatorTestHarness<String, LabelledRequest, PolicyTopicRecord, PublishedPolicy> h) {
        List<PolicySnapshot> out = new ArrayList<>();
        for (PublishedPolicy p : h.extractOutputValues()) {
            PolicySnapshot s = CODEC.decode(p.payload).value();
            assertThat(s.getVersion()).isEqualTo(p.version);
            out.add(s);
        }
        return out;
    }

    @Test
    void shouldUpdateWhenTheBufferFillsAndPublishOnTheInterval() throws Exception {
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            for (LabelledRequest r : requests(2 * UPDATE_EVERY, 1)) {
                h.processElement1(new StreamRecord<>(r, r.closeTime));
            }
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(10_000);
            List<PolicySnapshot> versions = published(h);
            assertThat(versions).hasSize(1);
            PolicySnapshot v1 = versions.get(0);
            assertThat(v1.getVersion()).isEqualTo(1);
            // each full batch: one update on it and REPLAY_UPDATES on batches drawn from the replay ring
            assertThat(v1.getStats().getUpdates()).isEqualTo(2 * (1 + REPLAY_UPDATES));
            assertThat(v1.getStats().getRequestsLearned()).isEqualTo(2L * UPDATE_EVERY);
            assertThat(SnapshotValidator.validate(v1, TASKS, FEATURES)).isEmpty();
            // Nothing new learned: no new version on the next interval, and the idle learner holds no timers.
            h.setProcessingTime(30_000);
            assertThat(published(h)).hasSize(1);
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void withASigningKeyEveryPublishedSnapshotShouldVerifyWithThePublicKey(@TempDir Path dir) throws Exception {
        KeyPair keys = PolicySignatures.generateKeyPair();
        Path key = dir.resolve("policy.key");
        PolicyKeys.write(key, keys.getPrivate());
        try (var h = harness(settings(null, null, 1e-3, PolicyKeySource.file(key.toString())))) {
            h.open();
            h.setProcessingTime(0);
            feedAndPublish(h, 1);
            feedAndPublish(h, 2);
            List<PolicySnapshot> versions = published(h);
            assertThat(versions).extracting(PolicySnapshot::getVersion).containsExactly(1L, 2L);
            for (PolicySnapshot s : versions) {
                assertThat(SnapshotValidator.validate(s)).isEmpty();
                assertThat(PolicySignatures.verify(s, keys.getPublic())).isEmpty();
                assertThat(PolicySignatures.verify(s, PolicySignatures.generateKeyPair().getPublic()))
                        .extracting(SnapshotProblem::kind).containsExactly(SnapshotProblem.Kind.SIGNATURE_INVALID);
            }
        }
        try (var h = harness(settings(null))) { // no key: unsigned, as before
            h.open();
            h.setProcessingTime(0);
            feedAndPublish(h, 1);
            assertThat(published(h)).singleElement().satisfies(s -> assertThat(s.getSignature()).isNull());
        }
    }

    static void feedAndPublish(KeyedTwoInputStreamOperatorTestHarness<String, LabelledRequest, PolicyTopicRecord,
            PublishedPolicy> h, long round) throws Exception {
        for (LabelledRequest r : requests(UPDATE_EVERY, round)) {
            h.processElement1(new StreamRecord<>(r, r.closeTime));
        }
        h.setProcessingTime(round * 10_000);
    }

    @Test
    void shouldLearnFromAPartialBufferWhenTheUpdateIntervalPasses() throws Exception {
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            for (LabelledRequest r : requests(5, 2)) {
                h.processElement1(new StreamRecord<>(r, r.closeTime));
            }
            h.setProcessingTime(5_000);
            h.setProcessingTime(10_000);
            // five requests do not fill a replay draw of UPDATE_EVERY: no replay yet
            assertThat(published(h)).singleElement().satisfies(s -> {
                assertThat(s.getStats().getUpdates()).isEqualTo(1);
                assertThat(s.getStats().getRequestsLearned()).isEqualTo(5);
            });
        }
    }

    @Test
    void shouldResumeExactlyAndNeverGoBackwardsAfterARestore() throws Exception {
        List<LabelledRequest> first = requests(2 * UPDATE_EVERY, 3);
        List<LabelledRequest> second = requests(2 * UPDATE_EVERY, 4);

        // Uninterrupted run.
        List<PolicySnapshot> straight;
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            feed(h, first);
            h.setProcessingTime(10_000);
            feed(h, second);
            h.setProcessingTime(20_000);
            straight = published(h);
        }

        // Same input with a checkpoint and a restore in the middle.
        OperatorSubtaskState snapshot;
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            feed(h, first);
            h.setProcessingTime(10_000);
            assertThat(published(h)).extracting(PolicySnapshot::getVersion).containsExactly(1L);
            snapshot = h.snapshot(1, 10_000);
        }
        List<PolicySnapshot> resumed;
        try (var h = harness(settings(null))) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(10_000);
            feed(h, second);
            h.setProcessingTime(20_000);
            resumed = published(h);
        }
        assertThat(straight).extracting(PolicySnapshot::getVersion).containsExactly(1L, 2L);
        assertThat(resumed).extracting(PolicySnapshot::getVersion).containsExactly(2L);
        assertThat(resumed.get(0).getParameters()).isEqualTo(straight.get(1).getParameters());
        assertThat(resumed.get(0).getChecksum()).isEqualTo(straight.get(1).getChecksum());
    }

    @Test
    void shouldContinueVersionsFromAWarmStartSnapshot() throws Exception {
        byte[] warm;
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            feed(h, requests(UPDATE_EVERY, 5));
            h.setProcessingTime(10_000);
            warm = h.extractOutputValues().get(0).payload;
        }
        try (var h = harness(settings(warm))) {
            h.open();
            h.setProcessingTime(0);
            feed(h, requests(UPDATE_EVERY, 6));
            h.setProcessingTime(10_000);
            assertThat(published(h)).singleElement().satisfies(s -> {
                assertThat(s.getVersion()).isEqualTo(2);
                assertThat(s.getStats().getRequestsLearned()).isEqualTo(2L * UPDATE_EVERY);
            });
        }
    }

    @Test
    void shouldRefuseAPoisonedWarmStartAndFailClearlyInsteadOfOverflowingTheVersion() throws Exception {
        PolicySnapshot genuine;
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            feed(h, requests(UPDATE_EVERY, 5));
            h.setProcessingTime(10_000);
            genuine = published(h).get(0);
        }
        PolicySnapshot maxLong = PolicySnapshot.newBuilder(genuine).setVersion(Long.MAX_VALUE).build();
        assertThatThrownBy(() -> settings(CODEC.encode(maxLong)))
                .hasMessageContaining("VERSION_OUT_OF_RANGE").hasMessageContaining(String.valueOf(Long.MAX_VALUE));
        PolicySnapshot linear = PolicySnapshot.newBuilder(genuine).setFusion(FusionKind.LINEAR).build();
        assertThatThrownBy(() -> settings(CODEC.encode(linear))).hasMessageContaining("FUSION_MISMATCH");
        PolicySnapshot negativeAlpha = PolicySnapshot.newBuilder(genuine).setAlphaMin(-1.0).build();
        assertThatThrownBy(() -> settings(CODEC.encode(negativeAlpha))).hasMessageContaining("NON_POSITIVE_CONCENTRATION");

        // The largest valid version has no successor: publishing fails loudly, it never wraps negative.
        PolicySnapshot last = PolicySnapshot.newBuilder(genuine).setVersion(PolicyVersions.MAX_VERSION).build();
        try (var h = harness(settings(CODEC.encode(last)))) {
            h.open();
            h.setProcessingTime(0);
            feed(h, requests(UPDATE_EVERY, 6));
            assertThatThrownBy(() -> h.setProcessingTime(10_000)).hasStackTraceContaining("has no successor");
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void shouldFlushTheBufferWhenTheInputEnds() throws Exception {
        try (var h = harness(settings(null))) {
            h.open();
            h.setProcessingTime(0);
            feed(h, requests(3, 7));
            h.endInput1();
            assertThat(published(h)).singleElement().satisfies(s ->
                    assertThat(s.getStats().getRequestsLearned()).isEqualTo(3));
        }
    }

    /**
     * Requests whose clicks (task 0) go to the three items ranked highest by the MTL score of task
     * {@code driver}: with driver 0 the best weights put everything on task 0. With {@code
     * invertTraining}, the requests the gate would train on are labelled by task 1 instead, while
     * its held-out requests keep the truth (driver 0): training moves the policy the wrong way.
     */
    static List<LabelledRequest> structured(int n, long seed, boolean invertTraining, HoldoutSelector holdout) {
        List<LabelledRequest> out = requests(n, seed);
        int t = TASKS.size();
        for (LabelledRequest r : out) {
            r.requestId = "g" + seed + "-" + r.requestId;
            int driver = invertTraining && !holdout.heldOut(r.requestId) ? 1 : 0;
            double[] key = new double[ITEMS];
            for (int j = 0; j < ITEMS; j++) {
                key[j] = r.scores[j * t + driver];
            }
            double[] sorted = key.clone();
            java.util.Arrays.sort(sorted);
            java.util.Arrays.fill(r.labels, 0.0);
            for (int j = 0; j < ITEMS; j++) {
                r.labels[j * t] = key[j] >= sorted[ITEMS - 3] ? 1.0 : 0.0;
            }
        }
        return out;
    }

    /** R_post of a published version against the uniform weights, on fresh requests labelled by the truth. */
    private static QualityGate.Verdict againstTruth(PolicySnapshot s, WeightsFunction current) {
        LearnerSettings st = settings(null);
        HoldoutWindow truth = new HoldoutWindow(400);
        for (LabelledRequest r : structured(400, 99, false, HoldoutSelector.defaults())) {
            double[] x = new double[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                x[i] = r.features[i];
            }
            double[] sc = new double[r.scores.length];
            for (int i = 0; i < sc.length; i++) {
                sc[i] = r.scores[i];
            }
            truth.add(TrainingRequest.of(x, sc, r.labels, ITEMS, TASKS.size(), FusionKind.LOG_LINEAR,
                    new double[] {1e-3, 1e-3, 1e-3}));
        }
        PolicyForward candidate = new PolicyForward(st.architecture(), PolicySnapshots.parameters(s));
        return new QualityGate(QualityGateConfig.defaults()).judge(candidate, current, truth,
                new CompositeReward(RewardConfig.defaults(TASKS.size())));
    }

    private static List<PolicySnapshot> run(LearnerSettings s, List<List<LabelledRequest>> phases, int[] versionsAfter,
                                            LearnerProgress[] progress) throws Exception {
        try (var h = harness(s)) {
            h.open();
            long now = 0;
            h.setProcessingTime(now);
            for (int p = 0; p < phases.size(); p++) {
                List<LabelledRequest> phase = phases.get(p);
                for (int i = 0; i < phase.size(); i += 48) {
                    feed(h, phase.subList(i, Math.min(phase.size(), i + 48)));
                    now += 10_000;
                    h.setProcessingTime(now);
                }
                versionsAfter[p] = h.extractOutputValues().size();
            }
            var backend = h.getOperator().getKeyedStateBackend();
            backend.setCurrentKey(s.modelId());
            progress[0] = backend.getPartitionedState(org.apache.flink.runtime.state.VoidNamespace.INSTANCE,
                    org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
                    new org.apache.flink.api.common.state.ValueStateDescriptor<>(LearnerFunction.STATE_PROGRESS,
                            org.apache.flink.api.common.typeinfo.TypeInformation.of(LearnerProgress.class))).value();
            return published(h);
        }
    }

    @Test
    void shouldPublishOnlyVersionsThatPassTheQualityGateAndRollBackAfterRejectionsInARow() throws Exception {
        HoldoutSelector holdout = new HoldoutSelector(0.3, HoldoutSelector.DEFAULT_SALT);
        GateSettings gate = new GateSettings(holdout, 300, new QualityGateConfig(0.005, 1.645, 40, 2));
        List<List<LabelledRequest>> phases = List.of(structured(720, 21, false, holdout),
                structured(1440, 22, true, holdout));
        WeightsFunction uniform = WeightsFunction.constant(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3});

        // Control without the gate: the inverted labels really make bad versions, and they go out.
        int[] ungatedCounts = new int[2];
        List<PolicySnapshot> ungated = run(settings(null, null, 0.03), phases, ungatedCounts, new LearnerProgress[1]);
        PolicySnapshot ungatedLast = ungated.get(ungated.size() - 1);
        assertThat(againstTruth(ungatedLast, uniform).meanDiff()).as("ungated last version vs uniform").isNegative();

        int[] counts = new int[2];
        LearnerProgress[] progress = new LearnerProgress[1];
        List<PolicySnapshot> gated = run(settings(null, gate, 0.03), phases, counts, progress);
        // Phase 1 learns the truth and publishes, the first version judged against the served (uniform) weights.
        assertThat(counts[0]).isPositive();
        PolicySnapshot good = gated.get(counts[0] - 1);
        QualityGate.Verdict goodVsUniform = againstTruth(good, uniform);
        assertThat(goodVsUniform.meanDiff()).as("%s", goodVsUniform.reason()).isGreaterThan(0.02);
        // Phase 2 trains on inverted labels: every version that still goes out is not worse than the
        // last good one on the truth, candidates were rejected and the learner was rolled back.
        for (PolicySnapshot s : gated.subList(counts[0], gated.size())) {
            QualityGate.Verdict v = againstTruth(s, WeightsFunction.of(
                    new PolicyForward(settings(null).architecture(), PolicySnapshots.parameters(good))));
            assertThat(v.meanDiff()).as("v%d: %s", s.getVersion(), v.reason()).isGreaterThan(-0.02);
        }
        assertThat(progress[0].versionsRejected).isGreaterThanOrEqualTo(2);
        assertThat(progress[0].rollbacks).isPositive();
        assertThat(gated).extracting(PolicySnapshot::getVersion).isSorted().doesNotHaveDuplicates();
        // no held-out request was learned from
        assertThat(progress[0].requestsLearned + progress[0].holdoutAdded).isEqualTo(720 + 1440);
    }

    private static void feed(KeyedTwoInputStreamOperatorTestHarness<String, LabelledRequest, PolicyTopicRecord, PublishedPolicy> h,
                             List<LabelledRequest> rs) throws Exception {
        for (LabelledRequest r : rs) {
            h.processElement1(new StreamRecord<>(r, r.closeTime));
        }
    }
}
