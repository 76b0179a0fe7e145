package io.grade.jobs.holdout;

import io.grade.jobs.session.LabelledRequest;
import io.grade.model.experiment.ArmTotals;
import io.grade.model.experiment.Lift;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The online holdout's evidence (docs/design-holdout.md): per arm of the serving client's A/B
 * split, the users' realised R_post and per-task rates per impression, and the lift of treatment
 * (the learned policy) over control (static weights) with a 95 % confidence interval, as gauges of
 * group {@code grade.holdout}. Keyed by model id, one key per model: the state is one
 * {@link ArmTotals} of fixed size (two arms x (1 + tasks) x 2 doubles), bounded whatever the traffic
 * and kept across restarts, so the interval keeps narrowing over the whole experiment.
 *
 * <p>Emits nothing; a terminal operator of the labelled-request stream.
 */
public class OnlineHoldoutFunction extends KeyedProcessFunction<String, LabelledRequest, Void> {

    private static final long serialVersionUID = 1L;

    /** Keyed state name. */
    public static final String STATE_TOTALS = "holdout-arm-totals";

    private final String[] metricNames;
    private transient ValueState<ArmTotals> totals;
    /** What the gauges read: a copy of the latest totals, never state. */
    private transient volatile ArmTotals latest;
    private transient volatile Lift[] lifts;

    /** @param taskNames the job's task names; metric 0 is {@code r_post}, metric 1 + k task k */
    public OnlineHoldoutFunction(String[] taskNames) {
        this.metricNames = metricNames(taskNames);
    }

    /** The metric names: {@code r_post} then the task names, lower-cased, anything but [a-z0-9_] as '_'. */
    public static String[] metricNames(String[] taskNames) {
        String[] names = new String[1 + taskNames.length];
        names[0] = "r_post";
        for (int k = 0; k < taskNames.length; k++) {
            names[1 + k] = taskNames[k].toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        }
        return names;
    }

    @Override
    public void open(OpenContext ctx) {
        totals = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_TOTALS, Types.POJO(ArmTotals.class)));
        latest = ArmTotals.of(metricNames.length);
        lifts = liftsOf(latest);
        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup(HoldoutMetrics.GROUP_OUTER)
                .addGroup(HoldoutMetrics.GROUP);
        g.gauge(HoldoutMetrics.TREATMENT_REQUESTS, () -> latest.treatmentRequests);
        g.gauge(HoldoutMetrics.CONTROL_REQUESTS, () -> latest.controlRequests);
        g.gauge(HoldoutMetrics.SKIPPED_REQUESTS, () -> latest.skippedRequests);
        for (int m = 0; m < metricNames.length; m++) {
            int metric = m;
            String name = metricNames[m];
            g.gauge(HoldoutMetrics.treatment(name), () -> lifts[metric].treatmentMean());
            g.gauge(HoldoutMetrics.control(name), () -> lifts[metric].controlMean());
            g.gauge(HoldoutMetrics.lift(name), () -> lifts[metric].lift());
            g.gauge(HoldoutMetrics.liftCiLow(name), () -> lifts[metric].ciLow());
            g.gauge(HoldoutMetrics.liftCiHigh(name), () -> lifts[metric].ciHigh());
        }
    }

    @Override
    public void processElement(LabelledRequest r, Context ctx, Collector<Void> out) throws Exception {
        if (r.tasks != metricNames.length - 1) {
            return; // the join only emits requests of the configured tasks; nothing else to compare
        }
        ArmTotals t = totals.value();
        if (t == null) {
            t = ArmTotals.of(metricNames.length);
        }
        double[] values = ArmTotals.metricsOf(r.rewardPost, r.labels, r.positions, r.tasks);
        t.add(r.arm, r.policyVersion, r.eventTime, values);
        totals.update(t);
        ArmTotals copy = t.copy();
        lifts = liftsOf(copy);
        latest = copy;
    }

    /** What the gauges show now: the lift of metric {@code m} (0 = R_post, 1 + k = task k). */
    Lift lift(int m) {
        return lifts[m];
    }

    /** What the gauges count now (a copy). */
    ArmTotals totals() {
        return latest.copy();
    }

    private Lift[] liftsOf(ArmTotals t) {
        List<Lift> out = new ArrayList<>(metricNames.length);
        for (int m = 0; m < metricNames.length; m++) {
            out.add(t.lift(m, Lift.Z_95));
        }
        return out.toArray(new Lift[0]);
    }
}
