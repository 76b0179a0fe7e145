package io.grade.model.experiment;

import java.util.Arrays;

/**
 * What the online holdout (A/B test) has seen: per arm, the number of requests and, per metric,
 * the sum and the sum of squares of the per-request values. Fixed size (two arms x the metrics),
 * whatever the traffic. Metric 0 is the request's R_post, metric 1 + k task k's rate per impression
 * (its labels summed over the shown items, divided by the items shown).
 *
 * <p>The analysis period starts with the first treatment request served by a learned policy
 * (version > 0): before it both arms are served static weights and would only dilute the lift.
 * From then on treatment requests served by a learned policy are counted (those served static
 * weights, e.g. under a kill switch, are not: the question is what the policy earns), and every
 * control request with an event time at or after the start. Requests of no arm are not counted.
 *
 * <p>A mutable Flink POJO (public fields, no-arg constructor) so that a job can keep it in keyed
 * state with its schema evolution; the arithmetic is here, free of Flink.
 */
public class ArmTotals {

    /** Arm codes: the ordinals of the Impression's {@code ExperimentArm}. */
    public static final byte UNASSIGNED = 0;
    public static final byte TREATMENT = 1;
    public static final byte CONTROL = 2;

    /** Event time the analysis started; {@link Long#MIN_VALUE} until then. */
    public long start = Long.MIN_VALUE;
    public long treatmentRequests;
    public long controlRequests;
    /** Requests seen but not counted (no arm, before the start, or treatment on static weights). */
    public long skippedRequests;
    public double[] treatmentSum;
    public double[] treatmentSumSq;
    public double[] controlSum;
    public double[] controlSumSq;

    public ArmTotals() {}

    /** Empty totals of {@code metrics} metrics (1 + the number of tasks). */
    public static ArmTotals of(int metrics) {
        ArmTotals t = new ArmTotals();
        t.treatmentSum = new double[metrics];
        t.treatmentSumSq = new double[metrics];
        t.controlSum = new double[metrics];
        t.controlSumSq = new double[metrics];
        return t;
    }

    public int metrics() {
        return treatmentSum.length;
    }

    /**
     * Counts one labelled request.
     *
     * @param arm its arm code
     * @param policyVersion the version that served it (0 = static weights)
     * @param eventTime its impression's event time
     * @param values its metric values (length {@link #metrics()})
     * @return whether it was counted
     */
    public boolean add(byte arm, long policyVersion, long eventTime, double[] values) {
        if (values.length != metrics()) {
            throw new IllegalArgumentException(values.length + " metric values, expected " + metrics());
        }
        if (arm == TREATMENT && policyVersion > 0 && start == Long.MIN_VALUE) {
            start = eventTime;
        }
        if (arm == TREATMENT && policyVersion > 0) {
            treatmentRequests++;
            accumulate(treatmentSum, treatmentSumSq, values);
            return true;
        }
        if (arm == CONTROL && start != Long.MIN_VALUE && eventTime >= start) {
            controlRequests++;
            accumulate(controlSum, controlSumSq, values);
            return true;
        }
        skippedRequests++;
        return false;
    }

    private static void accumulate(double[] sum, double[] sumSq, double[] values) {
        for (int m = 0; m < values.length; m++) {
            sum[m] += values[m];
            sumSq[m] += values[m] * values[m];
        }
    }

    /** The lift of treatment over control on metric {@code m}, with a two-sided interval of {@code z}. */
    public Lift lift(int m, double z) {
        return Lift.of(treatmentRequests, treatmentSum[m], treatmentSumSq[m], controlRequests, controlSum[m],
                controlSumSq[m], z);
    }

    /**
     * The metric values of one request: its R_post, then per task the labels of the shown items
     * summed and divided by the number shown (0 when nothing was shown).
     *
     * @param labels items x tasks, row-major
     * @param positions shown position per item, -1 if not shown
     */
    public static double[] metricsOf(double rewardPost, double[] labels, int[] positions, int tasks) {
        double[] out = new double[1 + tasks];
        out[0] = rewardPost;
        int shown = 0;
        for (int j = 0; j < positions.length; j++) {
            if (positions[j] >= 0) {
                shown++;
                for (int k = 0; k < tasks; k++) {
                    out[1 + k] += labels[j * tasks + k];
                }
            }
        }
        if (shown > 0) {
            for (int k = 0; k < tasks; k++) {
                out[1 + k] /= shown;
            }
        }
        return out;
    }

    /** A deep copy. */
    public ArmTotals copy() {
        ArmTotals c = new ArmTotals();
        c.start = start;
        c.treatmentRequests = treatmentRequests;
        c.controlRequests = controlRequests;
        c.skippedRequests = skippedRequests;
        c.treatmentSum = treatmentSum.clone();
        c.treatmentSumSq = treatmentSumSq.clone();
        c.controlSum = controlSum.clone();
        c.controlSumSq = controlSumSq.clone();
        return c;
    }

    @Override
    public String toString() {
        return "ArmTotals{start=" + start + ", treatment=" + treatmentRequests + ", control=" + controlRequests
                + ", skipped=" + skippedRequests + ", treatmentSum=" + Arrays.toString(treatmentSum)
                + ", controlSum=" + Arrays.toString(controlSum) + "}";
    }
}
