package io.grade.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A benchmark's target (issue 17): the figure it is judged on, the bound and its direction. A
 * benchmark prints whether it was met and writes {@code target} (this description) and
 * {@code target_met} (true, false, or null when the run's settings are not the ones the target is
 * defined for) into its summary JSON.
 *
 * @param figure the summary key the target is judged on
 * @param atMost true when the figure must be at or under {@code bound}, false when at or over it
 * @param bound the bound
 * @param unit the figure's unit, for people
 */
public record BenchTarget(String figure, boolean atMost, double bound, String unit) {

    /** {@code bench serving}: at or under 1,000 ns per weights() call. */
    public static final BenchTarget SERVING = new BenchTarget("serving_weights_ns_per_call", true, 1_000, "ns per call");
    /** {@code bench learner}: at least 40,000 requests/s on one core. */
    public static final BenchTarget LEARNER = new BenchTarget("learner_requests_per_s", false, 40_000,
            "requests/s on one core");
    /** {@code bench join}: join at least half as fast as a bare decode, at N = 50,000 steady. */
    public static final BenchTarget JOIN = new BenchTarget("join_to_decode_ratio", false, 0.5,
            "join/decode ratio at N = 50,000");

    /** For example {@code serving_weights_ns_per_call <= 1000 ns per call}. */
    public String description() {
        return String.format(Locale.ROOT, "%s %s %s %s", figure, atMost ? "<=" : ">=", plain(bound), unit);
    }

    /** Whether {@code value} meets the target. */
    public boolean met(double value) {
        return atMost ? value <= bound : value >= bound;
    }

    /**
     * Adds {@code target} and {@code target_met} to {@code figures}, judged on {@code figures.get(figure())},
     * and prints one line saying whether the target was met.
     *
     * @param applies false when the run's settings differ from those the target is defined for:
     *     {@code target_met} is then null and the line says so
     * @throws IllegalStateException when {@code figures} lacks a numeric {@link #figure()}
     */
    public void judge(Map<String, Object> figures, boolean applies, PrintStream out) {
        if (!(figures.get(figure) instanceof Number value)) {
            throw new IllegalStateException("the summary has no numeric " + figure + " to judge the target on");
        }
        figures.put("target", description());
        if (!applies) {
            figures.put("target_met", null);
            out.printf(Locale.ROOT, "target: %s: not judged (this run's settings differ from the target's)%n",
                    description());
            return;
        }
        boolean met = met(value.doubleValue());
        figures.put("target_met", met);
        out.printf(Locale.ROOT, "target: %s: %s (measured %s)%n", description(), met ? "met" : "NOT met",
                plain(value.doubleValue()));
    }

    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).setScale(3, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros()
                .toPlainString();
    }
}
