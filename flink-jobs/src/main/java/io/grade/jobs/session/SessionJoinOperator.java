package io.grade.jobs.session;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.metrics.JoinMetrics;
import io.grade.jobs.reward.RollingMean;
import io.grade.jobs.reward.ServedReward;
import io.grade.model.reward.RewardBreakdown;
import java.util.List;
import org.apache.flink.api.common.state.KeyedStateStore;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The session join, keyed by user: impressions open requests, feedback fills their labels, an
 * event-time timer closes each request into a {@link LabelledRequest}. Thin by design: it moves
 * state in and out and calls {@link OpenRequest}, {@link SessionState}, {@link OrphanBuffer},
 * {@link ClosedRequest}, {@link RequestLabels} and {@link ServedReward}, which hold the rules and
 * are unit-tested.
 *
 * <p>An operator rather than a {@code KeyedCoProcessFunction} for one reason: its event-time timers
 * carry a namespace, the task and the request id ({@code c<id>} close, {@code o<id>} expire orphans,
 * {@code t<id>} drop the tombstone, {@code s} end the session), so a firing timer says what is due
 * without a keyed "agenda" entry per timer (two RocksDB operations saved per timer set and per timer
 * fired). Per request id the join keeps one {@link RequestSlot} (orphans, open labels or
 * tombstone), so a feedback event or an impression costs one lookup whatever the request's stage
 * (docs/design-join.md).
 */
public class SessionJoinOperator extends AbstractStreamOperator<LabelledRequest>
        implements TwoInputStreamOperator<ImpressionEvent, FeedbackEvent, LabelledRequest>, Triggerable<String, String> {

    private static final long serialVersionUID = 2L;

    /** Feedback after its task's window or after its request closed. */
    public static final OutputTag<UnmatchedFeedback> LATE = new OutputTag<>("late-feedback") {};
    /** Feedback whose impression never came within orphanWait, or naming an item the request lacks. */
    public static final OutputTag<UnmatchedFeedback> ORPHANS = new OutputTag<>("orphaned-feedback") {};

    /** Timer namespaces: a task letter, then the request id (none for the session). */
    static final char CLOSE_REQUEST = 'c';
    static final char EXPIRE_ORPHANS = 'o';
    static final char DROP_TOMBSTONE = 't';
    static final String END_SESSION = "s";

    private final GradeConfig config;

    private transient MapState<String, OpenRequest> openRequests;
    private transient MapState<String, RequestSlot> requests;
    private transient ValueState<SessionState> session;
    private transient ListState<Long> openCountState;
    private transient InternalTimerService<String> timers;
    private transient TimestampedCollector<LabelledRequest> collector;
    /** Timestamp of what is being processed (element or timer), for the side outputs; null if none. */
    private transient Long currentTimestamp;

    private transient long sessionGapMs;
    private transient ServedReward servedReward;
    private transient long openCount;
    private transient Counter impressions;
    private transient Counter feedback;
    private transient Counter joinedFeedback;
    private transient Counter bufferedFeedback;
    private transient Counter labelledRequests;
    private transient Counter lateFeedback;
    private transient Counter orphanedFeedback;
    private transient Counter unknownItemFeedback;
    private transient Counter duplicateImpressions;
    private transient Counter duplicateFeedback;
    private transient Counter lateImpressions;
    private transient RollingMean servedPost;
    private transient RollingMean servedPrior;
    private transient RollingMean servedTotal;
    private transient RollingMean labelledPost;
    private transient RollingMean labelledPrior;
    private transient RollingMean labelledTotal;

    public SessionJoinOperator(GradeConfig config) {
        this.config = config;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // Only the open-requests gauge lives in operator state: after a restore it must count the
        // restored requests, and keyed state cannot be enumerated cheaply.
        openCountState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("open-requests-count", Types.LONG));
        openCount = 0;
        for (Long c : openCountState.get()) {
            openCount += c;
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        openCountState.update(List.of(openCount));
    }

    @Override
    public void open() throws Exception {
        super.open();
        collector = new TimestampedCollector<>(output);
        timers = getInternalTimerService("session-join-timers", StringSerializer.INSTANCE, this);
        KeyedStateStore store = getKeyedStateStore();
        // An open request is split: the impression data, written once and read at close, and the
        // small slot every feedback event reads and rewrites (docs/design-join.md).
        openRequests = store.getMapState(
                new MapStateDescriptor<>("open-requests", StringSerializer.INSTANCE, OpenRequestSerializer.INSTANCE));
        requests = store.getMapState(
                new MapStateDescriptor<>("requests", StringSerializer.INSTANCE, RequestSlotSerializer.INSTANCE));
        session = store.getState(new ValueStateDescriptor<>("session", SessionStateSerializer.INSTANCE));

        sessionGapMs = config.sessionGapMs();
        servedReward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        int window = config.rewardMetricWindow();
        servedPost = new RollingMean(window);
        servedPrior = new RollingMean(window);
        servedTotal = new RollingMean(window);
        labelledPost = new RollingMean(window);
        labelledPrior = new RollingMean(window);
        labelledTotal = new RollingMean(window);

        MetricGroup g = getMetricGroup().addGroup(JoinMetrics.GROUP).addGroup(JoinMetrics.JOIN_GROUP);
        impressions = g.counter(JoinMetrics.IMPRESSIONS);
        feedback = g.counter(JoinMetrics.FEEDBACK);
        joinedFeedback = g.counter(JoinMetrics.JOINED_FEEDBACK);
        bufferedFeedback = g.counter(JoinMetrics.BUFFERED_FEEDBACK);
        labelledRequests = g.counter(JoinMetrics.LABELLED_REQUESTS);
        lateFeedback = g.counter(JoinMetrics.LATE_FEEDBACK);
        orphanedFeedback = g.counter(JoinMetrics.ORPHANED_FEEDBACK);
        unknownItemFeedback = g.counter(JoinMetrics.UNKNOWN_ITEM_FEEDBACK);
        duplicateImpressions = g.counter(JoinMetrics.DUPLICATE_IMPRESSIONS);
        duplicateFeedback = g.counter(JoinMetrics.DUPLICATE_FEEDBACK);
        lateImpressions = g.counter(JoinMetrics.LATE_IMPRESSIONS);
        g.gauge(JoinMetrics.OPEN_REQUESTS, (Gauge<Long>) () -> openCount);
        g.gauge(JoinMetrics.SERVED_REWARD_POST, (Gauge<Double>) servedPost::mean);
        g.gauge(JoinMetrics.SERVED_REWARD_PRIOR, (Gauge<Double>) servedPrior::mean);
        g.gauge(JoinMetrics.SERVED_REWARD_TOTAL, (Gauge<Double>) servedTotal::mean);
        g.gauge(JoinMetrics.LABELLED_REWARD_POST, (Gauge<Double>) labelledPost::mean);
        g.gauge(JoinMetrics.LABELLED_REWARD_PRIOR, (Gauge<Double>) labelledPrior::mean);
        g.gauge(JoinMetrics.LABELLED_REWARD_TOTAL, (Gauge<Double>) labelledTotal::mean);
    }

    @Override
    public void processElement1(StreamRecord<ImpressionEvent> record) throws Exception {
        startElement(record);
        ImpressionEvent e = record.getValue();
        impressions.inc();
        RequestSlot slot = requests.get(e.requestId);
        if (slot != null && slot.kind != RequestSlot.ORPHANS) {
            duplicateImpressions.inc();
            return;
        }
        long watermark = timers.currentWatermark();
        SessionState previous = session.value();
        SessionState s = SessionState.next(previous, e.eventTime, sessionGapMs);
        SessionState live = s;
        if (s.expiredAt(watermark, sessionGapMs)) {
            // The session is over in event time already: nothing to keep, and no past timer.
            if (previous != null) {
                session.clear();
            }
            live = null;
        } else {
            session.update(s);
            if (previous == null) {
                // One END_SESSION timer per stored session: when it fires before the session's end
                // (later requests moved it), it moves itself (onEventTime).
                timers.registerEventTimeTimer(END_SESSION, sessionEndTimer(s));
            }
        }

        OpenRequest r = OpenRequest.open(e, s, config);
        RequestLabels labels = RequestLabels.open(e, servedReward.rank(e.scores, e.positions, e.servedWeights),
                config.tasks());
        boolean joined = false;
        if (slot != null) {
            for (FeedbackEvent f : slot.orphans.events) {
                joined |= handle(labels.apply(f, config), f, watermark);
            }
            // Nothing is left for the orphans' expiry timer to do: delete it now rather than let it
            // fire into a lookup (it is always at the buffer's earliest expiry, see processElement2).
            timers.deleteEventTimeTimer(EXPIRE_ORPHANS + e.requestId, slot.orphans.earliestExpiry());
        }
        if (joined) {
            observeServedReward(labels);
        }
        if (r.closeTime <= watermark) {
            // Its window has already passed (the impression topic lags): close it now with whatever
            // feedback was buffered. A timer in the past would only fire at the next watermark, and
            // never after the final one, so the request would be lost.
            lateImpressions.inc();
            close(r, labels, watermark, live, slot != null);
            return;
        }
        openRequests.put(e.requestId, r);
        requests.put(e.requestId, RequestSlot.open(labels));
        openCount++;
        timers.registerEventTimeTimer(CLOSE_REQUEST + e.requestId, r.closeTime);
    }

    @Override
    public void processElement2(StreamRecord<FeedbackEvent> record) throws Exception {
        startElement(record);
        FeedbackEvent f = record.getValue();
        feedback.inc();
        long watermark = timers.currentWatermark();
        RequestSlot slot = requests.get(f.requestId);
        if (slot != null && slot.kind == RequestSlot.OPEN) {
            // Only the small mutable part: the impression data stays untouched until the close.
            FeedbackOutcome outcome = slot.labels.apply(f, config);
            if (outcome != FeedbackOutcome.DUPLICATE) {
                if (handle(outcome, f, watermark)) {
                    observeServedReward(slot.labels);
                }
                requests.put(f.requestId, slot);
            } else {
                duplicateFeedback.inc();
            }
            return;
        }
        if (slot != null && slot.kind == RequestSlot.CLOSED) {
            if (slot.closed.remember(f.eventId)) {
                requests.put(f.requestId, slot);
                handle(FeedbackOutcome.LATE, f, watermark);
            } else {
                duplicateFeedback.inc();
            }
            return;
        }
        long expiresAt = f.eventTime + config.orphanWaitMs();
        if (expiresAt <= watermark) {
            // Its wait is already over in event time: an orphan now (a past timer could never fire
            // after the final watermark and the buffer would leak).
            orphanedFeedback.inc();
            side(ORPHANS, UnmatchedFeedback.of(f, DeadLetterReason.ORPHANED_FEEDBACK, watermark));
            return;
        }
        OrphanBuffer waiting = slot == null ? new OrphanBuffer() : slot.orphans;
        long earliest = waiting.earliestExpiry();
        if (waiting.add(f, expiresAt)) {
            requests.put(f.requestId, slot == null ? RequestSlot.orphans(waiting) : slot);
            bufferedFeedback.inc();
            // A pending timer at or before the earliest expiry covers this event too; when it
            // fires it moves on to the earliest expiry left.
            if (expiresAt < earliest) {
                timers.registerEventTimeTimer(EXPIRE_ORPHANS + f.requestId, expiresAt);
            }
        } else {
            duplicateFeedback.inc();
        }
    }

    @Override
    public void onEventTime(InternalTimer<String, String> timer) throws Exception {
        long time = timer.getTimestamp();
        collector.setAbsoluteTimestamp(time);
        currentTimestamp = time;
        String task = timer.getNamespace();
        switch (task.charAt(0)) {
            case CLOSE_REQUEST -> {
                String id = task.substring(1);
                OpenRequest r = openRequests.get(id);
                if (r == null || r.closeTime > time) {
                    return;
                }
                RequestSlot slot = requests.get(id);
                if (slot == null || slot.kind != RequestSlot.OPEN) {
                    throw new IllegalStateException("open request " + id + " without its labels: " + slot);
                }
                openRequests.remove(id);
                openCount--;
                close(r, slot.labels, time, session.value(), true);
            }
            case EXPIRE_ORPHANS -> {
                String id = task.substring(1);
                RequestSlot slot = requests.get(id);
                if (slot == null || slot.kind != RequestSlot.ORPHANS) {
                    return; // the impression came (or the buffer expired): nothing waits any more
                }
                for (FeedbackEvent f : slot.orphans.expire(time)) {
                    orphanedFeedback.inc();
                    side(ORPHANS, UnmatchedFeedback.of(f, DeadLetterReason.ORPHANED_FEEDBACK, time));
                }
                if (slot.orphans.isEmpty()) {
                    requests.remove(id);
                } else {
                    requests.put(id, slot);
                    timers.registerEventTimeTimer(EXPIRE_ORPHANS + id, slot.orphans.earliestExpiry());
                }
            }
            case DROP_TOMBSTONE -> {
                String id = task.substring(1);
                RequestSlot slot = requests.get(id);
                if (slot != null && slot.kind == RequestSlot.CLOSED && slot.closed.expiresAt <= time) {
                    requests.remove(id);
                }
            }
            case 's' -> {
                SessionState s = session.value();
                if (s == null) {
                    return;
                }
                if (s.expiredAt(time - 1, sessionGapMs)) {
                    session.clear();
                } else {
                    timers.registerEventTimeTimer(END_SESSION, sessionEndTimer(s));
                }
            }
            default -> throw new IllegalStateException("unknown timer " + task);
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, String> timer) {
        throw new IllegalStateException("the session join sets no processing-time timers: " + timer);
    }

    /**
     * The session's timer fires 1 ms after its last request + sessionGap: a request closing exactly at
     * lastTime + sessionGap still sees its session (timers of one time fire in no set order).
     */
    private long sessionEndTimer(SessionState s) {
        return s.lastTime + sessionGapMs + 1;
    }

    /**
     * Emits the labelled request and leaves a tombstone for late and duplicate events; {@code live}
     * is the user's current session (null if none), {@code hasSlot} whether {@code requests} holds an
     * entry for the request that the tombstone replaces or that must go.
     */
    private void close(OpenRequest r, RequestLabels labels, long time, SessionState live, boolean hasSlot)
            throws Exception {
        boolean sameSession = live != null && live.start == r.sessionStart && !live.expiredAt(time - 1, sessionGapMs);
        int sessionRequests = sameSession ? live.requests : r.sessionPosition + 1;
        LabelledRequest labelled = LabelledRequest.of(r, labels, sessionRequests, reward(labels));
        // A tombstone timer at or before the watermark could never fire after the final watermark.
        long retention = config.dedupRetentionMs();
        long base = Math.max(time, r.closeTime);
        long expiresAt = base > Long.MAX_VALUE - retention ? Long.MAX_VALUE : base + retention;
        if (expiresAt > timers.currentWatermark()) {
            requests.put(r.requestId, RequestSlot.closed(ClosedRequest.of(labels, expiresAt - retention, retention)));
            timers.registerEventTimeTimer(DROP_TOMBSTONE + r.requestId, expiresAt);
        } else if (hasSlot) {
            requests.remove(r.requestId);
        }
        labelledRequests.inc();
        labelledPost.add(labelled.rewardPost);
        labelledPrior.add(labelled.rewardPrior);
        labelledTotal.add(labelled.rewardTotal);
        collector.collect(labelled);
    }

    /** Counts and routes one outcome other than DUPLICATE; true if the labels changed. */
    private boolean handle(FeedbackOutcome outcome, FeedbackEvent f, long watermark) {
        switch (outcome) {
            case JOINED -> {
                joinedFeedback.inc();
                return true;
            }
            case DUPLICATE -> duplicateFeedback.inc();
            case LATE -> {
                lateFeedback.inc();
                side(LATE, UnmatchedFeedback.of(f, DeadLetterReason.LATE_FEEDBACK, watermark));
            }
            case UNKNOWN_ITEM -> {
                unknownItemFeedback.inc();
                side(ORPHANS, UnmatchedFeedback.of(f, DeadLetterReason.UNKNOWN_ITEM, watermark));
            }
            default -> throw new IllegalStateException("unknown outcome " + outcome);
        }
        return false;
    }

    private void startElement(StreamRecord<?> record) {
        collector.setTimestamp(record);
        currentTimestamp = record.hasTimestamp() ? record.getTimestamp() : null;
    }

    private void side(OutputTag<UnmatchedFeedback> tag, UnmatchedFeedback value) {
        output.collect(tag, currentTimestamp == null ? new StreamRecord<>(value) : new StreamRecord<>(value, currentTimestamp));
    }

    /** The served ranking's reward with the labels so far (R_prior and the format fraction were fixed at open). */
    private RewardBreakdown reward(RequestLabels labels) {
        return servedReward.evaluate(labels.ranking(), labels.tasks(), labels.cells(), labels.values(), labels.count());
    }

    /** Feeds the online reward gauges after a joined feedback event. */
    private void observeServedReward(RequestLabels labels) {
        RewardBreakdown b = reward(labels);
        servedPost.add(b.post());
        servedPrior.add(b.prior());
        servedTotal.add(b.total());
    }
}
