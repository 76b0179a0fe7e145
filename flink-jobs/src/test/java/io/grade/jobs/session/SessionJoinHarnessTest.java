package io.grade.jobs.session;

import static io.grade.jobs.Fixtures.CTR;
import static io.grade.jobs.Fixtures.CVR;
import static io.grade.jobs.Fixtures.GPM;
import static io.grade.jobs.Fixtures.ORPHAN_WAIT_MS;
import static io.grade.jobs.Fixtures.SESSION_GAP_MS;
import static io.grade.jobs.Fixtures.WINDOW_MS;
import static io.grade.jobs.Fixtures.drained;
import static io.grade.jobs.Fixtures.feedback;
import static io.grade.jobs.Fixtures.impression;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.jobs.Fixtures;
import io.grade.jobs.JoinPipeline;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionJoinHarnessTest {

    private static final double TOLERANCE = 1e-9;

    private GradeConfig config;
    private KeyedTwoInputStreamOperatorTestHarness<String, ImpressionEvent, FeedbackEvent, LabelledRequest> harness;

    @BeforeEach
    void setUp() throws Exception {
        config = Fixtures.testConfig();
        harness = open(config, null, false);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    /** A harness with Kryo disabled, so a non-POJO state or record type fails the test. */
    private static KeyedTwoInputStreamOperatorTestHarness<String, ImpressionEvent, FeedbackEvent, LabelledRequest> open(
            GradeConfig config, OperatorSubtaskState restore, boolean rocksDb) throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<String, ImpressionEvent, FeedbackEvent, LabelledRequest> h =
                new KeyedTwoInputStreamOperatorTestHarness<>(new SessionJoinOperator(config),
                        new JoinPipeline.ImpressionUser(), new JoinPipeline.FeedbackUser(), Types.STRING);
        ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
        if (rocksDb) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    private void watermark(long t) throws Exception {
        harness.processBothWatermarks(new Watermark(t));
    }

    private void impressionAt(ImpressionEvent e) throws Exception {
        harness.processElement1(new StreamRecord<>(e, e.eventTime));
    }

    private void feedbackAt(FeedbackEvent f) throws Exception {
        harness.processElement2(new StreamRecord<>(f, f.eventTime));
    }

    private List<LabelledRequest> labelled() {
        return harness.extractOutputValues();
    }

    private List<UnmatchedFeedback> side(org.apache.flink.util.OutputTag<UnmatchedFeedback> tag) {
        var out = harness.getSideOutput(tag);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    /** Drains every timer and checks that nothing is left behind: no keyed state, no timers. */
    private void assertNoLeaks(long lastEventTime) throws Exception {
        watermark(drained(lastEventTime));
        assertThat(harness.numKeyedStateEntries()).as("keyed state entries").isZero();
        assertThat(harness.numEventTimeTimers()).as("event-time timers").isZero();
        assertThat(harness.numProcessingTimeTimers()).as("processing-time timers").isZero();
    }

    @Test
    void shouldEmitRequestWithLabelsWhenAttributionWindowCloses() throws Exception {
        impressionAt(impression("u1", "r1", 1_000, 5));
        feedbackAt(feedback("f1", "u1", "r1", "i2", 2_000, CTR, 1));
        feedbackAt(feedback("f2", "u1", "r1", "i2", 3_000, GPM, 12.5));
        feedbackAt(feedback("f3", "u1", "r1", "i2", 3_500, GPM, 7.5));
        watermark(1_000 + WINDOW_MS - 1);
        assertThat(labelled()).as("window still open").isEmpty();

        watermark(1_000 + WINDOW_MS);
        assertThat(labelled()).hasSize(1);
        LabelledRequest r = labelled().get(0);
        assertThat(r.requestId).isEqualTo("r1");
        assertThat(r.closeTime).isEqualTo(1_000 + WINDOW_MS);
        assertThat(r.feedbackCount).isEqualTo(3);
        assertThat(r.label(2, CTR)).isEqualTo(1.0);
        assertThat(r.label(2, GPM)).as("value task sums amounts").isEqualTo(20.0);
        assertThat(r.label(1, CTR)).isZero();
        assertThat(r.policyVersion).isEqualTo(3);
        assertThat(r.servedWeights).containsExactly(0.25, 0.25, 0.25, 0.25);
        assertThat(r.features).containsExactly(0.1f, -0.2f, 0.3f);
        assertThat(r.scores).hasSize(5 * 4);
        // Items shown at positions 0..4, only item 2 has positive labels (ctr and gpm): NDCG@5 of each
        // of these two tasks is (1/log2(4)) / 1 = 0.5, so R_post = 0.5.
        assertThat(r.rewardPost).isCloseTo(0.5, within(TOLERANCE));
        // the job's lambda_prior defaults to 0 (measured better online) and no format constraint is
        // set: the composite reward is R_post plus the gated lambda3 * R_format
        assertThat(r.rewardTotal).isCloseTo(r.rewardPost + 0.05 * r.rewardFormat, within(TOLERANCE));
        assertThat(harness.extractOutputStreamRecords().get(0).getTimestamp()).isEqualTo(1_000 + WINDOW_MS);
        assertNoLeaks(3_500);
    }

    @Test
    void shouldEmitRequestWithoutFeedback() throws Exception {
        impressionAt(impression("u1", "r1", 1_000, 4));
        watermark(1_000 + WINDOW_MS);
        assertThat(labelled()).hasSize(1);
        LabelledRequest r = labelled().get(0);
        assertThat(r.feedbackCount).isZero();
        assertThat(r.labels).containsOnly(0.0);
        assertThat(r.rewardPost).isZero();
        // Scores decrease with position, so the served ranking is ideal for R_prior.
        assertThat(r.rewardPrior).isCloseTo(1.0, within(TOLERANCE));
        assertNoLeaks(1_000);
    }

    @Test
    void shouldBufferFeedbackThatArrivesBeforeItsImpressionAndJoinIt() throws Exception {
        feedbackAt(feedback("f1", "u1", "r1", "i0", 2_000, CTR, 1));
        watermark(1_500);
        assertThat(harness.numEventTimeTimers()).as("the orphan's expiry").isEqualTo(1);
        impressionAt(impression("u1", "r1", 1_000, 3));
        assertThat(harness.numEventTimeTimers()).as("close and session end; the joined orphan's expiry deleted")
                .isEqualTo(2);
        watermark(1_000 + WINDOW_MS);
        assertThat(labelled()).hasSize(1);
        assertThat(labelled().get(0).label(0, CTR)).isEqualTo(1.0);
        assertThat(side(SessionJoinOperator.ORPHANS)).isEmpty();
        assertNoLeaks(2_000);
        assertThat(side(SessionJoinOperator.ORPHANS)).as("joined orphans never expire later").isEmpty();
    }

    @Test
    void shouldSendFeedbackWithoutImpressionToOrphanOutputAfterOrphanWait() throws Exception {
        feedbackAt(feedback("f1", "u1", "r9", "i0", 2_000, CTR, 1));
        watermark(2_000 + ORPHAN_WAIT_MS - 1);
        assertThat(side(SessionJoinOperator.ORPHANS)).isEmpty();
        watermark(2_000 + ORPHAN_WAIT_MS);
        List<UnmatchedFeedback> orphans = side(SessionJoinOperator.ORPHANS);
        assertThat(orphans).hasSize(1);
        assertThat(orphans.get(0).reason).isEqualTo(DeadLetterReason.ORPHANED_FEEDBACK);
        assertThat(orphans.get(0).feedback.eventId).isEqualTo("f1");
        assertThat(labelled()).isEmpty();
        assertNoLeaks(2_000);
    }

    @Test
    void shouldExpireEachBufferedFeedbackEventAtItsOwnOrphanWait() throws Exception {
        // One request's buffer: f2 expires first although it came second, f3 last.
        feedbackAt(feedback("f1", "u1", "r9", "i0", 3_000, CTR, 1));
        feedbackAt(feedback("f2", "u1", "r9", "i1", 2_000, CTR, 1));
        feedbackAt(feedback("f3", "u1", "r9", "i2", 4_000, CTR, 1));
        watermark(2_000 + ORPHAN_WAIT_MS - 1);
        assertThat(side(SessionJoinOperator.ORPHANS)).isEmpty();
        watermark(2_000 + ORPHAN_WAIT_MS);
        assertThat(side(SessionJoinOperator.ORPHANS)).extracting(u -> u.feedback.eventId).containsExactly("f2");
        watermark(3_000 + ORPHAN_WAIT_MS);
        assertThat(side(SessionJoinOperator.ORPHANS)).extracting(u -> u.feedback.eventId).containsExactly("f2", "f1");
        assertThat(side(SessionJoinOperator.ORPHANS)).extracting(u -> u.watermark)
                .containsExactly(2_000 + ORPHAN_WAIT_MS, 3_000 + ORPHAN_WAIT_MS);
        // The impression still joins what waits.
        impressionAt(impression("u1", "r9", 3_500, 3));
        watermark(3_500 + WINDOW_MS);
        assertThat(labelled()).hasSize(1);
        assertThat(labelled().get(0).label(2, CTR)).isEqualTo(1.0);
        assertThat(labelled().get(0).label(0, CTR)).isZero();
        assertNoLeaks(4_000);
        assertThat(side(SessionJoinOperator.ORPHANS)).hasSize(2);
    }

    @Test
    void shouldSendFeedbackAfterTheWindowToLateOutput() throws Exception {
        impressionAt(impression("u1", "r1", 1_000, 3));
        // Request still open, but the click is after the ctr window.
        feedbackAt(feedback("f1", "u1", "r1", "i0", 1_000 + WINDOW_MS, CTR, 1));
        watermark(1_000 + WINDOW_MS);
        // Request closed: in-window event time, but too late to be used.
        feedbackAt(feedback("f2", "u1", "r1", "i1", 5_000, CTR, 1));
        // Its duplicate is a duplicate, not a second late event.
        feedbackAt(feedback("f2", "u1", "r1", "i1", 5_000, CTR, 1));

        assertThat(labelled()).hasSize(1);
        assertThat(labelled().get(0).feedbackCount).isZero();
        List<UnmatchedFeedback> late = side(SessionJoinOperator.LATE);
        assertThat(late).extracting(u -> u.feedback.eventId).containsExactly("f1", "f2");
        assertThat(late).allMatch(u -> u.reason == DeadLetterReason.LATE_FEEDBACK);
        assertNoLeaks(1_000 + WINDOW_MS);
    }

    @Test
    void shouldCountDuplicatedEventsOnce() throws Exception {
        ImpressionEvent imp = impression("u1", "r1", 1_000, 3);
        impressionAt(imp);
        impressionAt(imp);
        FeedbackEvent order = feedback("f1", "u1", "r1", "i1", 2_000, GPM, 30);
        feedbackAt(order);
        feedbackAt(order);
        // Duplicate of a buffered orphan, too.
        feedbackAt(feedback("f9", "u1", "r2", "i0", 2_000, CTR, 1));
        feedbackAt(feedback("f9", "u1", "r2", "i0", 2_000, CTR, 1));
        impressionAt(impression("u1", "r2", 1_500, 3));
        watermark(1_500 + WINDOW_MS);
        // Duplicate impression after its request closed does not open it again.
        impressionAt(imp);
        watermark(1_500 + WINDOW_MS + 1);

        assertThat(labelled()).extracting(r -> r.requestId).containsExactlyInAnyOrder("r1", "r2");
        Map<String, LabelledRequest> byId = new HashMap<>();
        labelled().forEach(r -> byId.put(r.requestId, r));
        assertThat(byId.get("r1").label(1, GPM)).isEqualTo(30.0);
        assertThat(byId.get("r1").feedbackCount).isEqualTo(1);
        assertThat(byId.get("r2").label(0, CTR)).isEqualTo(1.0);
        assertThat(byId.get("r2").feedbackCount).isEqualTo(1);
        assertNoLeaks(2_000);
    }

    @Test
    void shouldJoinTwoInterleavedRequestsOfOneUser() throws Exception {
        impressionAt(impression("u1", "r1", 1_000, 3));
        impressionAt(impression("u1", "r2", 3_000, 3));
        feedbackAt(feedback("f1", "u1", "r2", "i2", 3_500, CTR, 1));
        feedbackAt(feedback("f2", "u1", "r1", "i0", 4_000, CVR, 1));
        feedbackAt(feedback("f3", "u1", "r2", "i1", 5_000, CVR, 1));
        // Another user's feedback for a request id that u1 also has never touches u1's state.
        feedbackAt(feedback("f4", "u2", "r1", "i0", 4_000, CTR, 1));
        watermark(3_000 + WINDOW_MS);

        Map<String, LabelledRequest> byId = new HashMap<>();
        labelled().forEach(r -> byId.put(r.requestId, r));
        assertThat(byId).containsOnlyKeys("r1", "r2");
        LabelledRequest r1 = byId.get("r1");
        LabelledRequest r2 = byId.get("r2");
        assertThat(r1.label(0, CVR)).isEqualTo(1.0);
        assertThat(r1.feedbackCount).isEqualTo(1);
        assertThat(r2.label(2, CTR)).isEqualTo(1.0);
        assertThat(r2.label(1, CVR)).isEqualTo(1.0);
        assertThat(r2.feedbackCount).isEqualTo(2);
        assertThat(r1.sessionPosition).isZero();
        assertThat(r2.sessionPosition).isEqualTo(1);
        assertThat(r1.sessionRequests).isEqualTo(2);
        assertThat(r2.sessionRequests).isEqualTo(2);
        assertThat(r1.sessionStart).isEqualTo(r2.sessionStart).isEqualTo(1_000);
        assertNoLeaks(5_000);
        assertThat(side(SessionJoinOperator.ORPHANS)).extracting(u -> u.feedback.eventId).containsExactly("f4");
    }

    @Test
    void shouldStartANewSessionAfterTheSessionGap() throws Exception {
        impressionAt(impression("u1", "r1", 1_000, 3));
        impressionAt(impression("u1", "r2", 2_000, 3));
        long later = 2_000 + SESSION_GAP_MS;
        watermark(later - 1);
        impressionAt(impression("u1", "r3", later, 3));
        watermark(later + WINDOW_MS);

        Map<String, LabelledRequest> byId = new HashMap<>();
        labelled().forEach(r -> byId.put(r.requestId, r));
        assertThat(byId.get("r2").sessionPosition).isEqualTo(1);
        assertThat(byId.get("r3").sessionPosition).as("position resets").isZero();
        assertThat(byId.get("r3").sessionRequests).isEqualTo(1);
        assertThat(byId.get("r3").sessionStart).isEqualTo(later);
        assertNoLeaks(later);
    }

    @Test
    void shouldKeepASessionWhoseFirstEndTimerFiresBeforeItsLastRequestsGap() throws Exception {
        // One END_SESSION timer per session: it is due at r1 + gap, and moves to r2 + gap.
        impressionAt(impression("u1", "r1", 1_000, 3));
        impressionAt(impression("u1", "r2", 1_000 + SESSION_GAP_MS / 2, 3));
        watermark(1_000 + SESSION_GAP_MS);
        long t3 = 1_000 + SESSION_GAP_MS + SESSION_GAP_MS / 4;
        impressionAt(impression("u1", "r3", t3, 3));
        watermark(1_000 + SESSION_GAP_MS / 2 + SESSION_GAP_MS - 1);
        impressionAt(impression("u1", "r4", t3 + 1, 3));
        watermark(t3 + WINDOW_MS);

        Map<String, LabelledRequest> byId = new HashMap<>();
        labelled().forEach(r -> byId.put(r.requestId, r));
        assertThat(byId.get("r3").sessionPosition).as("same session as r1 and r2").isEqualTo(2);
        assertThat(byId.get("r4").sessionPosition).isEqualTo(3);
        assertThat(byId.get("r4").sessionStart).isEqualTo(1_000);
        assertNoLeaks(t3 + 1);
    }

    @Test
    void shouldCountTheWholeSessionForARequestClosingExactlyWhenItsSessionEnds() throws Exception {
        // Window = session gap + 1 s: r1 closes at r2 + gap, the very time the session ends, and
        // must still see both requests. Timers of one time fire in no set order (heap or RocksDB),
        // so the session's end timer fires 1 ms later.
        for (boolean rocksDb : new boolean[] {false, true}) {
            harness.close();
            Map<String, String> options = new HashMap<>(Fixtures.testOptions());
            options.put("attribution-window", (SESSION_GAP_MS + 1_000) + " ms");
            harness = open(GradeConfig.fromMap(options), null, rocksDb);
            impressionAt(impression("u1", "r1", 1_000, 3));
            impressionAt(impression("u1", "r2", 2_000, 3));
            watermark(2_000 + SESSION_GAP_MS);
            assertThat(labelled()).extracting(r -> r.requestId).as("rocksDb=" + rocksDb).containsExactly("r1");
            assertThat(labelled().get(0).sessionRequests).as("rocksDb=" + rocksDb).isEqualTo(2);
            long t3 = 2_000 + SESSION_GAP_MS + 1;
            impressionAt(impression("u1", "r3", t3, 3));
            watermark(drained(t3 + SESSION_GAP_MS));
            assertThat(labelled()).extracting(r -> r.requestId).containsExactly("r1", "r2", "r3");
            assertThat(labelled().get(1).sessionRequests).as("closes after its session ended").isEqualTo(2);
            assertThat(labelled().get(2).sessionPosition).as("a new session").isZero();
            if (!rocksDb) { // the harness counts entries of heap state only
                assertThat(harness.numKeyedStateEntries()).isZero();
            }
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void shouldCloseAnImpressionWhoseWindowHasAlreadyPassedAtOnce() throws Exception {
        // Buffered until 9 000 + orphan wait, which is after the watermark below.
        feedbackAt(feedback("f1", "u1", "r1", "i1", 9_000, CTR, 1));
        watermark(1_000 + WINDOW_MS + 500);
        impressionAt(impression("u1", "r1", 1_000, 3));
        assertThat(labelled()).hasSize(1);
        assertThat(labelled().get(0).label(1, CTR)).as("buffered feedback still joined").isEqualTo(1.0);
        // Even after the final watermark an impression is never lost.
        watermark(Long.MAX_VALUE);
        impressionAt(impression("u1", "r2", 5_000, 3));
        feedbackAt(feedback("f2", "u1", "r9", "i0", 6_000, CTR, 1));
        assertThat(labelled()).extracting(r -> r.requestId).containsExactly("r1", "r2");
        assertThat(side(SessionJoinOperator.ORPHANS)).extracting(u -> u.feedback.eventId).containsExactly("f2");
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void shouldSendFeedbackForAnUnknownItemToOrphanOutput() throws Exception {
        impressionAt(impression("u1", "r1", 1_000, 3));
        feedbackAt(feedback("f1", "u1", "r1", "nope", 2_000, CTR, 1));
        watermark(1_000 + WINDOW_MS);
        assertThat(side(SessionJoinOperator.ORPHANS)).extracting(u -> u.reason).containsExactly(DeadLetterReason.UNKNOWN_ITEM);
        assertThat(labelled().get(0).feedbackCount).isZero();
        assertNoLeaks(2_000);
    }

    @Test
    void shouldApplyPerTaskAttributionWindows() throws Exception {
        harness.close();
        Map<String, String> options = new HashMap<>(Fixtures.testOptions());
        options.put("attribution-window-per-task", "cvr:" + (3 * WINDOW_MS) + " ms");
        harness = open(GradeConfig.fromMap(options), null, false);

        impressionAt(impression("u1", "r1", 0, 3));
        feedbackAt(feedback("f1", "u1", "r1", "i0", WINDOW_MS + 1, CTR, 1));
        feedbackAt(feedback("f2", "u1", "r1", "i0", WINDOW_MS + 1, CVR, 1));
        watermark(WINDOW_MS);
        assertThat(labelled()).as("closes at the longest window").isEmpty();
        watermark(3 * WINDOW_MS);
        assertThat(labelled()).hasSize(1);
        assertThat(labelled().get(0).label(0, CVR)).isEqualTo(1.0);
        assertThat(labelled().get(0).label(0, CTR)).isZero();
        assertThat(side(SessionJoinOperator.LATE)).extracting(u -> u.feedback.eventId).containsExactly("f1");
        assertNoLeaks(WINDOW_MS + 1);
    }

    @Test
    void shouldKeepOpenRequestsAndOrphansAcrossARestoreOnRocksDb() throws Exception {
        harness.close();
        harness = open(config, null, true);
        impressionAt(impression("u1", "r1", 1_000, 3));
        feedbackAt(feedback("f1", "u1", "r1", "i1", 2_000, CTR, 1));
        feedbackAt(feedback("f2", "u1", "r2", "i0", 2_500, CTR, 1));
        watermark(1_500);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = open(config, snapshot, true);
        feedbackAt(feedback("f1", "u1", "r1", "i1", 2_000, CTR, 1));
        impressionAt(impression("u1", "r2", 2_000, 3));
        watermark(drained(2_500));
        Map<String, LabelledRequest> byId = new HashMap<>();
        labelled().forEach(r -> byId.put(r.requestId, r));
        assertThat(byId).containsOnlyKeys("r1", "r2");
        assertThat(byId.get("r1").label(1, CTR)).isEqualTo(1.0);
        assertThat(byId.get("r1").feedbackCount).as("restored dedup ids").isEqualTo(1);
        assertThat(byId.get("r2").label(0, CTR)).as("restored orphan").isEqualTo(1.0);
        assertThat(byId.get("r2").sessionPosition).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
