package io.grade.model.policy;

/**
 * The range of policy versions and the only way to compute the next one. Versions start at 1
 * (0 is the serving fallback) and never exceed {@link #MAX_VERSION} = 2^53:
 * <ul>
 *   <li>at one version per second, 2^53 versions last 285 million years, so no genuine lineage
 *       gets near it, while a poisoned {@code Long.MAX_VALUE} (or anything within 2^63 - 2^53 of
 *       it) is out of range;</li>
 *   <li>every version up to 2^53 is exact as a double, so metric gauges, JSON dashboards and
 *       JavaScript readers see the true value;</li>
 *   <li>{@code MAX_VERSION + 1} is far from overflow, so a validated version's successor is
 *       always a positive long.</li>
 * </ul>
 */
public final class PolicyVersions {

    /** Largest version a snapshot may carry: 2^53. */
    public static final long MAX_VERSION = 1L << 53;

    private PolicyVersions() {}

    /** True when {@code version} is in [1, {@link #MAX_VERSION}]. */
    public static boolean inRange(long version) {
        return version >= 1 && version <= MAX_VERSION;
    }

    /**
     * The version after {@code held} (0 = none published yet).
     *
     * @throws IllegalStateException when {@code held} is negative or the next version would exceed
     *     {@link #MAX_VERSION}: a clear failure instead of a wrapped, negative version
     */
    public static long next(long held) {
        if (held < 0 || held >= MAX_VERSION) {
            throw new IllegalStateException("policy version " + held + " has no successor: versions must stay in [1, "
                    + MAX_VERSION + "] (2^53); the state or the warm-start snapshot holds an out-of-range version");
        }
        return Math.addExact(held, 1L);
    }
}
