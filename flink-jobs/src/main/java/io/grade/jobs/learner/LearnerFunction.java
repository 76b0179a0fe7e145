package io.grade.jobs.learner;

import io.grade.core.data.TrainingRequest;
import io.grade.core.grpo.GrpoLearner;
import io.grade.core.learner.OnlineLearner;
import io.grade.core.learner.ReplayWindow;
import io.grade.core.grpo.UpdateResult;
import io.grade.core.policy.Nd4jRuntime;
import io.grade.core.policy.PolicyNetwork;
import io.grade.jobs.publish.PublishedPolicy;
import io.grade.jobs.session.LabelledRequest;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.model.policy.PolicyVersions;
import io.grade.model.policy.SnapshotValidator;
import io.grade.model.reward.CompositeReward;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.EventCodec;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online GRPO learner (GRADE-SPEC section 7) as a keyed function on the model id (one key, so
 * parallelism 1 and one policy). Labelled requests are buffered (bounded by {@code updateEvery});
 * an update runs when the buffer is full or {@code updateInterval} passed; a new version is
 * published at most every {@code publishInterval}. Each new batch is followed by {@code
 * replayUpdates} updates on batches drawn from the newest {@code replayCapacity} labelled requests
 * ({@link OnlineLearner}); that ring is keyed state too (slot to request, bounded by its capacity)
 * and is rebuilt on the heap after a restore. The learner's whole state, the buffer, the replay
 * ring and the version counter are keyed state, so a restore resumes exactly and versions never go
 * backwards.
 */
public class LearnerFunction extends KeyedProcessFunction<String, LabelledRequest, PublishedPolicy> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LearnerFunction.class);

    static final String STATE_LEARNER = "learner-state";
    static final String STATE_PROGRESS = "learner-progress";
    static final String STATE_BUFFER = "learner-buffer";
    static final String STATE_BUFFERED = "learner-buffered-count";
    static final String STATE_REPLAY = "learner-replay";
    static final String STATE_UPDATE_TIMER = "learner-update-timer";
    static final String STATE_PUBLISH_TIMER = "learner-publish-timer";

    private final LearnerSettings settings;

    private transient ValueState<byte[]> learnerState;
    private transient ValueState<LearnerProgress> progressState;
    private transient ListState<LabelledRequest> buffer;
    private transient ValueState<Integer> buffered;
    private transient MapState<Integer, LabelledRequest> replay;
    private transient ValueState<Long> updateTimer;
    private transient ValueState<Long> publishTimer;

    private transient OnlineLearner online;
    private transient GrpoLearner learner;
    private transient CompositeReward reward;
    private transient EventCodec<PolicySnapshot> codec;

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
        updateTimer = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_UPDATE_TIMER, Types.LONG));
        publishTimer = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_PUBLISH_TIMER, Types.LONG));
        reward = new CompositeReward(settings.reward);
        codec = EventCodec.policySnapshots();
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
    }

    @Override
    public void processElement(LabelledRequest r, Context ctx, Collector<PublishedPolicy> out) throws Exception {
        ensureLearner();
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

    private void publishIfNew(Collector<PublishedPolicy> out, long nowMillis) throws Exception {
        LearnerProgress p = progress();
        if (learner.updateCount() <= p.updatesAtLastPublish) {
            return;
        }
        long version = PolicyVersions.next(p.version); // throws instead of wrapping to a negative version
        PolicySnapshot snapshot = PolicySnapshots.toSnapshot(settings.architecture, learner.policyParameters(),
                new SnapshotMetadata(settings.modelId, version, Instant.ofEpochMilli(nowMillis),
                        Instant.ofEpochMilli(p.trainedThrough), settings.taskNames, settings.fusion, settings.betas,
                        learner.currentAlphaHat(), settings.grpo.alphaMin(),
                        new TrainingStats(finiteOrZero(p.lastMeanReward), finiteOrZero(p.lastKl),
                                finiteOrZero(p.lastClipFraction), learner.updateCount(), p.requestsLearned)));
        var problems = SnapshotValidator.validate(snapshot, settings.expectations(), p.version);
        if (!problems.isEmpty()) {
            // The learner's guard should make this impossible; never publish what serving would reject.
            LOG.error("not publishing v{}: {}", version, problems);
            return;
        }
        p.version = version;
        p.updatesAtLastPublish = learner.updateCount();
        progressState.update(p);
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
            restoreReplay(online.window());
            learner = online.grpo();
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
            p.updatesAtLastPublish = learner.updateCount();
            progressState.update(p);
        }
        refreshGauges(p);
    }

    /** Puts the replay ring back on the heap from keyed state (slots beyond a smaller new capacity are dropped). */
    private void restoreReplay(ReplayWindow window) throws Exception {
        int restored = 0;
        List<Integer> stale = new ArrayList<>();
        for (Map.Entry<Integer, LabelledRequest> e : replay.entries()) {
            TrainingRequest t = e.getKey() < window.capacity() ? toTraining(e.getValue()) : null;
            if (t == null) {
                stale.add(e.getKey());
                continue;
            }
            window.restore(e.getKey(), t);
            restored++;
        }
        for (Integer slot : stale) {
            replay.remove(slot);
        }
        if (restored < window.size()) {
            // A capacity change or lost slots: keep only what was restored, in a ring that starts again.
            LOG.warn("replay window: {} of {} slots restored; the ring restarts", restored, window.size());
            replay.clear();
            window.setAdded(0);
            for (int slot = 0; slot < window.capacity(); slot++) {
                window.restore(slot, null);
            }
        }
        LOG.info("replay window restored: {} requests", window.size());
    }

    private LearnerProgress progress() throws Exception {
        LearnerProgress p = progressState.value();
        return p == null ? new LearnerProgress() : p;
    }

    private void refreshGauges(LearnerProgress p) {
        gaugeVersion = p.version;
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
