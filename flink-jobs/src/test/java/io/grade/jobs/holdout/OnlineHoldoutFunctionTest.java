package io.grade.jobs.holdout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.jobs.session.LabelledRequest;
import io.grade.model.experiment.ArmTotals;
import io.grade.model.experiment.Lift;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The online holdout's operator: lifts from labelled requests by arm, kept across a restore. */
class OnlineHoldoutFunctionTest {

    private static final String[] TASKS = {"ctr", "cvr"};

    private static KeyedOneInputStreamOperatorTestHarness<String, LabelledRequest, Void> harness(OnlineHoldoutFunction f)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), r -> "default", Types.STRING);
    }

    /** One shown item; a click with probability p, an order with probability p / 4; R_post = click + 2 order. */
    private static LabelledRequest request(SplittableRandom rng, byte arm, long version, long eventTime, double p) {
        LabelledRequest r = new LabelledRequest();
        r.userId = "u" + rng.nextInt(1000);
        r.requestId = "r" + eventTime;
        r.modelId = "default";
        r.arm = arm;
        r.policyVersion = version;
        r.eventTime = eventTime;
        r.items = 2;
        r.tasks = 2;
        r.positions = new int[] {0, -1};
        double click = rng.nextDouble() < p ? 1 : 0;
        double order = click > 0 && rng.nextDouble() < 0.25 ? 1 : 0;
        r.labels = new double[] {click, order, 0, 0};
        r.rewardPost = click + 2 * order;
        return r;
    }

    @Test
    void liftShouldCompareTheArmsOnTheUsersFeedbackAndSurviveARestore() throws Exception {
        SplittableRandom rng = new SplittableRandom(3);
        OnlineHoldoutFunction f = new OnlineHoldoutFunction(TASKS);
        OperatorSubtaskState snapshot;
        long t = 0;
        try (var h = harness(f)) {
            h.open();
            // before any policy: both arms on static weights, nothing counted
            for (int i = 0; i < 500; i++, t++) {
                h.processElement(new StreamRecord<>(request(rng, i % 10 == 0 ? ArmTotals.CONTROL : ArmTotals.TREATMENT, 0, t, 0.2), t));
            }
            assertThat(f.totals().treatmentRequests + f.totals().controlRequests).isZero();
            assertThat(f.lift(0).lift()).isNaN();
            for (int i = 0; i < 20_000; i++, t++) {
                boolean control = i % 5 == 4;
                h.processElement(new StreamRecord<>(control ? request(rng, ArmTotals.CONTROL, 0, t, 0.2)
                        : request(rng, ArmTotals.TREATMENT, 3, t, 0.25), t));
            }
            snapshot = h.snapshot(1, t);
        }
        OnlineHoldoutFunction restored = new OnlineHoldoutFunction(TASKS);
        try (var h = harness(restored)) {
            h.initializeState(snapshot);
            h.open();
            for (int i = 0; i < 20_000; i++, t++) {
                boolean control = i % 5 == 4;
                h.processElement(new StreamRecord<>(control ? request(rng, ArmTotals.CONTROL, 0, t, 0.2)
                        : request(rng, ArmTotals.TREATMENT, 4, t, 0.25), t));
            }
            ArmTotals totals = restored.totals();
            assertThat(totals.treatmentRequests).isEqualTo(32_000);
            assertThat(totals.controlRequests).isEqualTo(8_000);
            assertThat(totals.skippedRequests).isEqualTo(500);
            // true lifts: clicks +25 %, orders +25 %, R_post +25 %; each estimate within 3.3 standard errors
            // (the 95 % half-width is 1.96 of them) and its interval above zero
            for (int m = 0; m < 3; m++) {
                Lift l = restored.lift(m);
                double se = (l.ciHigh() - l.ciLow()) / (2 * Lift.Z_95);
                assertThat(Math.abs(l.lift() - 0.25)).as("metric %d: %s", m, l).isLessThan(3.3 * se);
                assertThat(l.significantlyPositive()).as("metric %d: %s", m, l).isTrue();
            }
            assertThat(restored.lift(1).treatmentMean()).isCloseTo(0.25, within(0.01));
            assertThat(restored.lift(1).controlMean()).isCloseTo(0.2, within(0.015));
            assertThat(restored.lift(0).covers(0.25)).as("R_post: %s", restored.lift(0)).isTrue();
        }
    }

    @Test
    void metricNamesShouldBeRewardThenTheTaskNamesMadeSafe() {
        assertThat(OnlineHoldoutFunction.metricNames(new String[] {"ctr", "Watch-Time"}))
                .containsExactly("r_post", "ctr", "watch_time");
    }
}
