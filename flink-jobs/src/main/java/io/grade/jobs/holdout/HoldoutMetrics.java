package io.grade.jobs.holdout;

/**
 * Names of the online holdout's dashboard metrics, group {@code grade.holdout}. Besides the counts
 * below, per metric {@code M} ({@code r_post}, then each task name): gauges {@code treatment_M} and
 * {@code control_M} (mean per request), {@code lift_M}, {@code lift_M_ci_low}, {@code lift_M_ci_high}
 * (treatment over control minus 1, with its 95 % interval; NaN until both arms have 2 requests).
 */
public final class HoldoutMetrics {

    public static final String GROUP_OUTER = "grade";
    public static final String GROUP = "holdout";

    /** Gauge: treatment requests counted (served by a learned policy). */
    public static final String TREATMENT_REQUESTS = "treatmentRequests";
    /** Gauge: control requests counted (since the analysis started). */
    public static final String CONTROL_REQUESTS = "controlRequests";
    /** Gauge: requests not counted (no arm, before the start, or treatment on static weights). */
    public static final String SKIPPED_REQUESTS = "skippedRequests";

    private HoldoutMetrics() {}

    /** Gauge: mean per request of metric {@code m} in the treatment arm. */
    public static String treatment(String m) {
        return "treatment_" + m;
    }

    /** Gauge: mean per request of metric {@code m} in the control arm. */
    public static String control(String m) {
        return "control_" + m;
    }

    /** Gauge: treatment over control minus 1 on metric {@code m}. */
    public static String lift(String m) {
        return "lift_" + m;
    }

    /** Gauge: lower end of the 95 % interval of {@link #lift}. */
    public static String liftCiLow(String m) {
        return "lift_" + m + "_ci_low";
    }

    /** Gauge: upper end of the 95 % interval of {@link #lift}. */
    public static String liftCiHigh(String m) {
        return "lift_" + m + "_ci_high";
    }
}
