package io.grade.jobs.learner;

import io.grade.core.data.TrainingRequest;
import io.grade.core.grpo.GrpoLearner;
import io.grade.core.learner.HoldoutWindow;
import io.grade.core.learner.OnlineLearner;
import io.grade.core.learner.QualityGate;
import io.grade.core.learner.RejectionTracker;
import io.grade.core.learner.RequestRing;
import io.grade.core.learner.WeightsFunction;
import io.grade.core.learner.ReplayWindow;
import io.grade.core.grpo.UpdateResult;
import io.grade.core.policy.Nd4jRuntime;
import io.grade.core.policy.PolicyNetwork;
import io.grade.jobs.publish.PolicyTopicRecord;
import io.grade.jobs.publish.PublishedPolicy;
import io.grade.jobs.session.LabelledRequest;
import io.grade.model.policy.PolicyControls;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.model.policy.PolicyVersions;
import io.grade.model.policy.SnapshotValidator;
import io.grade.model.reward.CompositeReward;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online GRPO learner (docs/SPEC.md section 7) as a keyed function on the model id (one key, so
 * parallelism 1 and one policy). Labelled requests are buffered (bounded by {@code updateEvery});
 * an update runs when the buffer is full or {@code updateInterval} passed; a new version is
 * published at most every {@code publishInterval}. Each new batch is followed by {@code
 * replayUpdates} updates on batches drawn from the newest {@code replayCapacity} labelled requests
 * ({@link OnlineLearner}); that ring is keyed state too (slot to request, bounded by its capacity)
 * and is rebuilt on the heap after a restore.
 *
 * <p>Quality gate (on by default): a share of the labelled requests, chosen by a stable hash of the
 * request id, never trains; the newest of them (a ring in keyed state) judge each candidate
 * version against the published one, or before the first against the weights each request was
 * served with ({@link QualityGate}). A candidate is published only when it is not worse beyond the
 * margin; after {@code maxConsecutiveRejections} rejections in a row the learner's whole state is
 * rolled back to the last published version (kept in keyed state). With too few held-out requests
 * publishing waits: nothing reaches serving unjudged.
 *
 * <p>The second input follows the policy topic (read_committed, {@link PolicyTopicRecord}): every
 * valid version on it raises the floor of the next version (versions never go backwards, whoever
 * wrote the topic's newest); a rollback version ({@code ./grade policy rollback}, marked by its
 * origin header) above the learner's own is adopted: training continues from its parameters. A
 * valid control record that pins a version holds publishing (training goes on) until unpinned; the
 * kill switch concerns serving only. Records that fail the checks serving makes (and, with a verify
 * key, unsigned or forged ones) are rejected and counted. What this input leaves behind is a few
 * counters in {@link LearnerProgress}: bounded.
 *
 * <p>The learner's whole state, the buffer, both rings, the published state and the version
 * counter are keyed state, so a restore resumes exactly and versions never go backwards.
 */
public class LearnerFunction extends KeyedCoProcessFunction<String, LabelledRequest, PolicyTopicRecord,
        PublishedPolicy> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LearnerFunction.class);

    static final String STATE_LEARNER = "learner-state";
    static final String STATE_PROGRESS = "learner-progress";
    static final String STATE_BUFFER = "learner-buffer";
    static final String STATE_BUFFERED = "learner-buffered-count";
    static final String STATE_REPLAY = "learner-replay";
    static final String STATE_HOLDOUT = "learner-holdout";
    static final String STATE_PUBLISHED = "learner-published-state";
    static final String STATE_UPDATE_TIMER = "learner-update-timer";
    static final String STATE_PUBLISH_TIMER = "learner-publish-timer";

    private final LearnerSettings settings;

    private transient ValueState<byte[]> learnerState;
    private transient ValueState<LearnerProgress> progressState;
    private transient ListState<LabelledRequest> buffer;
    private transient ValueState<Integer> buffered;
    private transient MapState<Integer, LabelledRequest> replay;
    private transient MapState<Integer, LabelledRequest> holdoutState;
    private transient ValueState<byte[]> publishedState;
    private transient ValueState<Long> updateTimer;
    private transient ValueState<Long> publishTimer;

    private transient OnlineLearner online;
    private transient GrpoLearner learner;
    private transient HoldoutWindow holdout;
    private transient QualityGate gate;
    private transient RejectionTracker rejections;
    /** The published version's policy (warm start: the snapshot's), null before the first publish. */
    private transient PolicyForward publishedPolicy;
    private transient CompositeReward reward;
    private transient EventCodec<PolicySnapshot> codec;
    private transient EventCodec<PolicyControl> controlCodec;
    /** Checks policy-topic records; null: signatures not required. */
    private transient PublicKey verifyKey;
    private transient Counter publishesHeld;
    private transient Counter versionsAdopted;
    private transient Counter topicRecordsRejected;
    private transient volatile long gaugePinned;
    private transient volatile long gaugeTopicMax;
    /** Signs every published snapshot; null: unsigned. Read in open(), never part of the job graph. */
    private transient PrivateKey signingKey;

    // gauge fields: metrics read stored values, never state
    private transient volatile long gaugeVersion;
    private transient volatile long gaugeUpdates;
    private transient volatile long gaugeRequests;
    private transient volatile double gaugeReward;
    private transient volatile double gaugeKl;
    private transient volatile double gaugeClip;
    private transient volatile double gaugeAlphaHat;
    private transient volatile long gaugeSkipped;
    private transient volatile long gaugeHomogeneous;
    private transient volatile int gaugeBuffered;
    private transient volatile long gaugeOffHeapPeak;
    private transient Histogram updateLatency;
    private transient Counter rejected;
    private transient Counter published;
    private transient Counter versionsRejected;
    private transient Counter versionsDeferred;
    private transient Counter rollbacks;
    private transient volatile double gaugeGateDiff;
    private transient volatile double gaugeGateSe;
    private transient volatile int gaugeHoldout;

    public LearnerFunction(LearnerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        learnerState = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_LEARNER,
                TypeInformation.of(byte[].class)));
        progressState = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_PROGRESS,
                TypeInformation.of(LearnerProgress.class)));
        buffer = getRuntimeContext().getListState(new ListStateDescriptor<>(STATE_BUFFER,
                TypeInformation.of(LabelledRequest.class)));
        buffered = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_BUFFERED, Types.INT));
        replay = getRuntimeContext().getMapState(new MapStateDescriptor<>(STATE_REPLAY, Types.INT,
                TypeInformation.of(LabelledRequest.class)));
        holdoutState = getRuntimeContext().getMapState(new MapStateDescriptor<>(STATE_HOLDOUT, Types.INT,
                TypeInformation.of(LabelledRequest.class)));
        publishedState = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_PUBLISHED,
                TypeInformation.of(byte[].class)));
        updateTimer = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_UPDATE_TIMER, Types.LONG));
        publishTimer = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_PUBLISH_TIMER, Types.LONG));
        reward = new CompositeReward(settings.reward);
        codec = EventCodec.policySnapshots();
        controlCodec = EventCodec.policyControls();
        verifyKey = settings.verifyKey == null ? null : settings.verifyKey.publicKey();
        signingKey = settings.signingKey == null ? null : settings.signingKey.privateKey();
        gaugeReward = Double.NaN;
        gaugeKl = Double.NaN;
        gaugeClip = Double.NaN;
        gaugeAlphaHat = Double.NaN;

        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup(LearnerMetrics.GROUP_OUTER)
                .addGroup(LearnerMetrics.GROUP);
        g.gauge(LearnerMetrics.POLICY_VERSION, () -> gaugeVersion);
        g.gauge(LearnerMetrics.UPDATES, () -> gaugeUpdates);
        g.gauge(LearnerMetrics.REQUESTS_LEARNED, () -> gaugeRequests);
        g.gauge(LearnerMetrics.MEAN_GROUP_REWARD, () -> gaugeReward);
        g.gauge(LearnerMetrics.KL, () -> gaugeKl);
        g.gauge(LearnerMetrics.CLIP_FRACTION, () -> gaugeClip);
        g.gauge(LearnerMetrics.ALPHA_HAT, () -> gaugeAlphaHat);
        g.gauge(LearnerMetrics.SKIPPED_STEPS, () -> gaugeSkipped);
        g.gauge(LearnerMetrics.HOMOGENEOUS_GROUPS, () -> gaugeHomogeneous);
        g.gauge(LearnerMetrics.BUFFERED_REQUESTS, () -> gaugeBuffered);
        g.gauge(LearnerMetrics.OFF_HEAP_BYTES, Nd4jRuntime::offHeapBytes);
        g.gauge(LearnerMetrics.OFF_HEAP_PEAK_BYTES, () -> gaugeOffHeapPeak);
        g.gauge(LearnerMetrics.PHYSICAL_BYTES, Nd4jRuntime::physicalBytes);
        updateLatency = g.histogram(LearnerMetrics.UPDATE_LATENCY_MS, new DescriptiveStatisticsHistogram(500));
        rejected = g.counter(LearnerMetrics.REJECTED_REQUESTS);
        published = g.counter(LearnerMetrics.SNAPSHOTS_PUBLISHED);
        versionsRejected = g.counter(LearnerMetrics.VERSIONS_REJECTED);
        versionsDeferred = g.counter(LearnerMetrics.VERSIONS_DEFERRED);
        rollbacks = g.counter(LearnerMetrics.ROLLBACKS);
        publishesHeld = g.counter(LearnerMetrics.PUBLISHES_HELD);
        versionsAdopted = g.counter(LearnerMetrics.VERSIONS_ADOPTED);
        topicRecordsRejected = g.counter(LearnerMetrics.TOPIC_RECORDS_REJECTED);
        g.gauge(LearnerMetrics.PINNED_VERSION, () -> gaugePinned);
        g.gauge(LearnerMetrics.TOPIC_MAX_VERSION, () -> gaugeTopicMax);
        gaugeGateDiff = Double.NaN;
        gaugeGateSe = Double.NaN;
        g.gauge(LearnerMetrics.GATE_MEAN_DIFF, () -> gaugeGateDiff);
        g.gauge(LearnerMetrics.GATE_STANDARD_ERROR, () -> gaugeGateSe);
        g.gauge(LearnerMetrics.HOLDOUT_REQUESTS, () -> gaugeHoldout);
    }

    @Override
    public void processElement1(LabelledRequest r, Context ctx, Collector<PublishedPolicy> out) throws Exception {
        ensureLearner();
        if (gate != null && settings.gate.holdout().heldOut(r.requestId)) {
            holdOut(r);
            return;
        }
        buffer.add(r);
        int n = (buffered.value() == null ? 0 : buffered.value()) + 1;
        buffered.update(n);
        gaugeBuffered = n;
        long now = ctx.timerService().currentProcessingTime();
        if (updateTimer.value() == null) {
            long t = now + settings.updateIntervalMs;
            ctx.timerService().registerProcessingTimeTimer(t);
            updateTimer.update(t);
        }
        if (publishTimer.value() == null) {
            long t = now + settings.publishIntervalMs;
            ctx.timerService().registerProcessingTimeTimer(t);
            publishTimer.update(t);
        }
        if (n >= settings.updateEvery) {
            runUpdate();
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PublishedPolicy> out) throws Exception {
        ensureLearner();
        Long update = updateTimer.value();
        if (update != null && update == timestamp) {
            updateTimer.clear();
            if (buffered.value() != null && buffered.value() > 0) {
                runUpdate();
            }
        }
        Long publish = publishTimer.value();
        if (publish != null && publish == timestamp) {
            publishTimer.clear();
            publishIfNew(out, ctx.timerService().currentProcessingTime());
        }
        // Timers are re-armed by the next labelled request: an idle learner holds no timers.
    }

    /** A record of the model on the policy topic: raises the version floor, adopts rollbacks, applies pins. */
    @Override
    public void processElement2(PolicyTopicRecord r, Context ctx, Collector<PublishedPolicy> out) throws Exception {
        ensureLearner();
        LearnerProgress p = progress();
        if (r.control) {
            applyControl(p, r);
        } else {
            followSnapshot(p, r);
        }
        progressState.update(p);
        refreshGauges(p);
    }

    private void applyControl(LearnerProgress p, PolicyTopicRecord r) {
        DecodeResult<PolicyControl> d = controlCodec.decode(r.value);
        if (!d.isOk()) {
            rejectTopicRecord("undecodable control record: " + d.failure());
            return;
        }
        PolicyControls.Checked c = PolicyControls.check(d.value(), settings.modelId, settings.expectations(),
                verifyKey);
        if (!c.ok()) {
            rejectTopicRecord("control record #" + d.value().getSequence() + ": " + c.problems());
            return;
        }
        if (d.value().getSequence() <= p.controlSequence) {
            return; // a replay of an older state
        }
        p.controlSequence = d.value().getSequence();
        long pinned = d.value().getPinnedVersion();
        if (pinned != p.pinnedVersion) {
            LOG.warn("policy {} {} by control record #{} ({}): {}", settings.modelId,
                    pinned == 0 ? "unpinned" : "pinned to v" + pinned, p.controlSequence, d.value().getIssuedBy(),
                    pinned == 0 ? "publishing resumes" : "publishing is held, training goes on");
        }
        p.pinnedVersion = pinned;
        if (c.pinned() != null) {
            p.topicMaxVersion = Math.max(p.topicMaxVersion, pinned);
        }
    }

    private void followSnapshot(LearnerProgress p, PolicyTopicRecord r) throws Exception {
        DecodeResult<PolicySnapshot> d = codec.decode(r.value);
        if (!d.isOk()) {
            rejectTopicRecord("undecodable snapshot: " + d.failure());
            return;
        }
        PolicySnapshot s = d.value();
        List<io.grade.model.policy.SnapshotProblem> problems = new ArrayList<>(SnapshotValidator.validate(s,
                settings.expectations(), Math.max(p.version, p.topicMaxVersion)));
        if (verifyKey != null) {
            problems.addAll(PolicySignatures.verify(s, verifyKey));
        }
        if (!problems.isEmpty()) {
            rejectTopicRecord("snapshot v" + s.getVersion() + ": " + problems);
            return;
        }
        p.topicMaxVersion = Math.max(p.topicMaxVersion, s.getVersion());
        if (r.origin != null && s.getVersion() > p.version && s.getVersion() >= p.topicMaxVersion) {
            adopt(p, s, r.origin);
        }
    }

    /**
     * Continues from a rollback version: its parameters become the policy and the reference (Adam
     * moments start afresh), it counts as the published version, and the gate judges against it.
     */
    private void adopt(LearnerProgress p, PolicySnapshot s, String origin) throws Exception {
        var current = learner.exportState();
        var params = PolicySnapshots.parameters(s);
        var fresh = new io.grade.core.grpo.GrpoLearner(settings.grpo, reward,
                new PolicyNetwork(settings.architecture, params)).exportState();
        learner.importState(new io.grade.core.grpo.GrpoLearnerState(params, params, fresh.adam(),
                current.scheduleStep(), current.updateCount(), current.skippedUpdates(), current.rngState()));
        learnerState.update(LearnerStateCodec.encode(learner.exportState()));
        p.version = s.getVersion();
        p.updatesAtLastPublish = learner.updateCount();
        p.versionsAdopted++;
        versionsAdopted.inc();
        if (gate != null) {
            publishedPolicy = new PolicyForward(settings.architecture, learner.policyParameters());
            publishedState.update(LearnerStateCodec.encode(learner.exportState()));
            rejections.setConsecutiveRejections(0);
            p.consecutiveRejections = 0;
        }
        LOG.warn("learner of {} continues from v{} ({}); next version v{}", settings.modelId, s.getVersion(), origin,
                s.getVersion() + 1);
    }

    private void rejectTopicRecord(String why) {
        topicRecordsRejected.inc();
        LOG.warn("policy topic record of {} rejected by the learner: {}", settings.modelId, why);
    }

    /** Learns from what is buffered and publishes if anything is new (end of input, drain). */
    void flush(Collector<PublishedPolicy> out, long nowMillis) throws Exception {
        ensureLearner();
        if (buffered.value() != null && buffered.value() > 0) {
            runUpdate();
        }
        publishIfNew(out, nowMillis);
    }

    private void runUpdate() throws Exception {
        LearnerProgress p = progress();
        List<TrainingRequest> batch = new ArrayList<>(settings.updateEvery);
        List<LabelledRequest> accepted = new ArrayList<>(settings.updateEvery);
        long latest = p.trainedThrough;
        for (LabelledRequest r : buffer.get()) {
            TrainingRequest t = toTraining(r);
            if (t == null) {
                p.rejectedRequests++;
                rejected.inc();
                continue;
            }
            batch.add(t);
            accepted.add(r);
            latest = Math.max(latest, r.eventTime);
        }
        buffer.clear();
        buffered.clear();
        gaugeBuffered = 0;
        if (!batch.isEmpty()) {
            long t0 = System.nanoTime();
            ReplayWindow window = online.window();
            long addedBefore = window.added();
            online.learn(batch);
            UpdateResult result = online.lastResult();
            if (window.capacity() > 0) {
                // mirror the ring: the i-th request ever added lives in slot i % capacity
                for (int i = Math.max(0, accepted.size() - window.capacity()); i < accepted.size(); i++) {
                    replay.put((int) ((addedBefore + i) % window.capacity()), accepted.get(i));
                }
            }
            p.replayAdded = window.added();
            updateLatency.update((System.nanoTime() - t0) / 1_000_000);
            // right after an update, before the garbage collector frees its temporaries: near the peak
            gaugeOffHeapPeak = Math.max(gaugeOffHeapPeak, Nd4jRuntime.offHeapBytes());
            p.requestsLearned += batch.size();
            p.trainedThrough = latest;
            p.homogeneousGroups += result.homogeneousGroups();
            p.lastMeanReward = result.meanReward();
            p.lastKl = result.kl();
            p.lastClipFraction = result.clipFraction();
            learnerState.update(LearnerStateCodec.encode(learner.exportState()));
            gaugeReward = result.meanReward();
            gaugeKl = result.kl();
            gaugeClip = result.clipFraction();
            gaugeAlphaHat = result.alphaHat();
            if (result.skipped()) {
                LOG.warn("GRPO update skipped by the non-finite guard (total {})", learner.skippedUpdates());
            }
        }
        progressState.update(p);
        refreshGauges(p);
    }

    /** Keeps a held-out request for the gate (never for training); a request that does not fit is rejected. */
    private void holdOut(LabelledRequest r) throws Exception {
        LearnerProgress p = progress();
        TrainingRequest t = toTraining(r);
        if (t == null) {
            p.rejectedRequests++;
            rejected.inc();
        } else {
            int slot = holdout.add(t, r.servedWeights);
            holdoutState.put(slot, r);
            p.holdoutAdded = holdout.added();
            gaugeHoldout = holdout.size();
        }
        progressState.update(p);
    }

    /**
     * Judges the learner's current policy against the published one (or the served weights);
     * returns true when it may be published. Rolls back after too many rejections in a row.
     */
    private boolean passesGate(LearnerProgress p, PolicyForward candidate) throws Exception {
        WeightsFunction c = WeightsFunction.of(candidate);
        QualityGate.Verdict v = publishedPolicy == null ? gate.judgeAgainstServed(c, holdout, reward)
                : gate.judge(c, WeightsFunction.of(publishedPolicy), holdout, reward);
        rejections.record(v);
        p.consecutiveRejections = rejections.consecutiveRejections();
        gaugeGateDiff = v.meanDiff();
        gaugeGateSe = v.standardError();
        switch (v.decision()) {
            case PUBLISH -> {
                return true;
            }
            case DEFER -> {
                versionsDeferred.inc();
                LOG.info("not publishing yet after {} updates: {}", learner.updateCount(), v.reason());
            }
            case REJECT -> {
                versionsRejected.inc();
                p.versionsRejected++;
                LOG.warn("candidate after {} updates rejected by the quality gate: {}", learner.updateCount(),
                        v.reason());
                byte[] last = publishedState.value();
                if (rejections.shouldRollBack() && last != null) {
                    learner.importState(LearnerStateCodec.decode(last));
                    learnerState.update(last);
                    p.updatesAtLastPublish = learner.updateCount();
                    p.rollbacks++;
                    rollbacks.inc();
                    rejections.rollBackTaken();
                    p.consecutiveRejections = 0;
                    LOG.warn("learner rolled back to the state of v{} after {} rejected candidates in a row",
                            p.version, settings.gate.config().maxConsecutiveRejections());
                }
            }
        }
        progressState.update(p);
        return false;
    }

    private void publishIfNew(Collector<PublishedPolicy> out, long nowMillis) throws Exception {
        LearnerProgress p = progress();
        if (learner.updateCount() <= p.updatesAtLastPublish) {
            return;
        }
        if (p.pinnedVersion != 0) {
            publishesHeld.inc();
            LOG.info("not publishing: {} is pinned to v{} (./grade policy unpin resumes)", settings.modelId,
                    p.pinnedVersion);
            return;
        }
        PolicyForward candidate = new PolicyForward(settings.architecture, learner.policyParameters());
        if (gate != null && !passesGate(p, candidate)) {
            return;
        }
        // above the learner's own and anything else on the topic; throws instead of wrapping to a negative version
        long version = PolicyVersions.next(Math.max(p.version, p.topicMaxVersion));
        PolicySnapshot snapshot = PolicySnapshots.toSnapshot(settings.architecture, learner.policyParameters(),
                new SnapshotMetadata(settings.modelId, version, Instant.ofEpochMilli(nowMillis),
                        Instant.ofEpochMilli(p.trainedThrough), settings.taskNames, settings.fusion, settings.betas,
                        learner.currentAlphaHat(), settings.grpo.alphaMin(),
                        new TrainingStats(finiteOrZero(p.lastMeanReward), finiteOrZero(p.lastKl),
                                finiteOrZero(p.lastClipFraction), learner.updateCount(), p.requestsLearned)));
        var problems = SnapshotValidator.validate(snapshot, settings.expectations(), version - 1);
        if (!problems.isEmpty()) {
            // The learner's guard should make this impossible; never publish what serving would reject.
            LOG.error("not publishing v{}: {}", version, problems);
            return;
        }
        if (signingKey != null) {
            snapshot = PolicySignatures.sign(snapshot, signingKey);
        }
        p.version = version;
        p.updatesAtLastPublish = learner.updateCount();
        progressState.update(p);
        if (gate != null) {
            publishedPolicy = candidate;
            publishedState.update(LearnerStateCodec.encode(learner.exportState()));
        }
        out.collect(new PublishedPolicy(settings.modelId, version, nowMillis, codec.encode(snapshot)));
        published.inc();
        refreshGauges(p);
        LOG.info("published policy {} v{} after {} updates, {} requests", settings.modelId, version,
                learner.updateCount(), p.requestsLearned);
    }

    private TrainingRequest toTraining(LabelledRequest r) {
        var arch = settings.architecture;
        if (r.tasks != arch.tasks() || r.features == null || r.features.length != arch.featureDim()) {
            return null;
        }
        double[] x = new double[r.features.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.features[i];
        }
        double[] s = new double[r.scores.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = r.scores[i];
        }
        try {
            return TrainingRequest.of(x, s, r.labels, r.items, r.tasks, settings.fusion, settings.betas);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void ensureLearner() throws Exception {
        if (learner != null) {
            return;
        }
        byte[] saved = learnerState.value();
        LearnerProgress p = progress();
        if (saved != null) {
            online = OnlineLearner.restore(settings.online, reward, settings.architecture,
                    LearnerStateCodec.decode(saved), p.replayAdded);
            restoreRing(replay, online.window(), null);
            learner = online.grpo();
            byte[] last = publishedState.value();
            if (last != null) {
                publishedPolicy = new PolicyForward(settings.architecture, LearnerStateCodec.decode(last).policy());
            }
            LOG.info("learner restored at v{} after {} updates", p.version, learner.updateCount());
        } else {
            PolicyNetwork initial;
            if (settings.warmStartSnapshot != null) {
                PolicySnapshot s = codec.decode(settings.warmStartSnapshot).value();
                initial = new PolicyNetwork(settings.architecture, PolicySnapshots.parameters(s));
                if (!PolicyVersions.inRange(s.getVersion())) {
                    throw new IllegalStateException("warm-start snapshot v" + s.getVersion() + " is outside [1, "
                            + PolicyVersions.MAX_VERSION + "]");
                }
                p.version = s.getVersion();
                p.trainedThrough = s.getTrainedThrough().toEpochMilli();
                p.requestsLearned = s.getStats().getRequestsLearned();
                LOG.info("learner warm-started from v{}", p.version);
            } else {
                initial = new PolicyNetwork(settings.architecture, settings.initSeed);
                LOG.info("learner cold start");
            }
            online = OnlineLearner.start(settings.online, reward, initial);
            learner = online.grpo();
            if (settings.warmStartSnapshot != null && settings.gate != null) {
                // the warm-start snapshot is the version serving has: candidates are judged against it
                publishedPolicy = new PolicyForward(settings.architecture, learner.policyParameters());
                publishedState.update(LearnerStateCodec.encode(learner.exportState()));
            }
            p.updatesAtLastPublish = learner.updateCount();
            progressState.update(p);
        }
        if (settings.gate != null) {
            gate = new QualityGate(settings.gate.config());
            rejections = new RejectionTracker(settings.gate.config());
            rejections.setConsecutiveRejections(p.consecutiveRejections);
            holdout = new HoldoutWindow(settings.gate.window());
            if (saved != null) {
                holdout.setAdded(p.holdoutAdded);
                restoreRing(holdoutState, holdout, r -> r.servedWeights);
            }
            gaugeHoldout = holdout.size();
        }
        refreshGauges(p);
    }

    /**
     * Puts a ring (replay or holdout) back on the heap from keyed state; {@code served} gives a
     * holdout request's served weights (null for the replay ring). Slots beyond a smaller new
     * capacity, or requests that no longer fit the policy, are dropped, and then the ring starts
     * again empty: a ring must never draw from a slot that was not put back.
     */
    private void restoreRing(MapState<Integer, LabelledRequest> state, RequestRing ring,
                             java.util.function.Function<LabelledRequest, double[]> served) throws Exception {
        int restored = 0;
        List<Integer> stale = new ArrayList<>();
        for (Map.Entry<Integer, LabelledRequest> e : state.entries()) {
            TrainingRequest t = e.getKey() < ring.capacity() ? toTraining(e.getValue()) : null;
            if (t == null) {
                stale.add(e.getKey());
                continue;
            }
            if (ring instanceof HoldoutWindow h) {
                h.restore(e.getKey(), t, served.apply(e.getValue()));
            } else {
                ring.restore(e.getKey(), t);
            }
            restored++;
        }
        for (Integer slot : stale) {
            state.remove(slot);
        }
        if (restored < ring.size()) {
            LOG.warn("{}: {} of {} slots restored; the ring starts again", state == replay ? STATE_REPLAY
                    : STATE_HOLDOUT, restored, ring.size());
            state.clear();
            ring.setAdded(0);
        }
    }

    private LearnerProgress progress() throws Exception {
        LearnerProgress p = progressState.value();
        return p == null ? new LearnerProgress() : p;
    }

    private void refreshGauges(LearnerProgress p) {
        gaugeVersion = p.version;
        gaugePinned = p.pinnedVersion;
        gaugeTopicMax = p.topicMaxVersion;
        gaugeRequests = p.requestsLearned;
        gaugeHomogeneous = p.homogeneousGroups;
        gaugeUpdates = learner.updateCount();
        gaugeSkipped = learner.skippedUpdates();
        gaugeAlphaHat = learner.currentAlphaHat();
    }

    private static double finiteOrZero(double v) {
        return Double.isFinite(v) ? v : 0.0;
    }
}
