package io.grade.core.learner;

import java.nio.charset.StandardCharsets;

/**
 * Which labelled requests are held out from training for the {@link QualityGate}: a request is
 * held out when a stable 64-bit hash of its id (FNV-1a over the UTF-8 bytes, started from the
 * salt and finished with the MurmurHash3 64-bit finaliser) maps below {@code share} in [0, 1).
 * Unlike {@link String#hashCode} the hash is fixed by this code alone, so every JVM, restart and
 * parallel instance of the job makes the same choice for the same id, and a request's labels that
 * arrive twice never end up once in training and once in the holdout. Changing the salt draws an
 * independent holdout. Immutable.
 *
 * @param share the fraction of requests held out, in [0, 1) (0: none)
 * @param salt mixed into the hash; part of the job's configuration, keep it fixed across restarts
 */
public record HoldoutSelector(double share, long salt) implements java.io.Serializable {

    /** Default share held out: 5 % of the labelled requests. */
    public static final double DEFAULT_SHARE = 0.05;
    /** Default salt (any fixed constant). */
    public static final long DEFAULT_SALT = 0x6A09_E667_F3BC_C908L;

    private static final long FNV_OFFSET = 0xCBF2_9CE4_8422_2325L;
    private static final long FNV_PRIME = 0x0000_0100_0000_01B3L;

    public HoldoutSelector {
        if (!(share >= 0 && share < 1)) {
            throw new IllegalArgumentException("share must be in [0, 1), got " + share);
        }
    }

    /** {@value #DEFAULT_SHARE} of the requests with the default salt. */
    public static HoldoutSelector defaults() {
        return new HoldoutSelector(DEFAULT_SHARE, DEFAULT_SALT);
    }

    /** True when the request with this id is held out from training; the same id always gets the same answer. */
    public boolean heldOut(String requestId) {
        return unit(requestId, salt) < share;
    }

    /** The id's position in [0, 1): the top 53 bits of {@link #hash}. */
    public static double unit(String requestId, long salt) {
        return (hash(requestId, salt) >>> 11) * 0x1.0p-53;
    }

    /** The stable 64-bit hash of the id's UTF-8 bytes under the salt. */
    public static long hash(String requestId, long salt) {
        if (requestId == null) {
            throw new IllegalArgumentException("requestId must not be null");
        }
        long h = FNV_OFFSET ^ mix(salt);
        for (byte b : requestId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        // FNV-1a alone leaves the high bits weakly mixed for short ids; the finaliser spreads every input bit
        return mix(h);
    }

    /** MurmurHash3's fmix64. */
    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xFF51_AFD7_ED55_8CCDL;
        k ^= k >>> 33;
        k *= 0xC4CE_B9FE_1A85_EC53L;
        k ^= k >>> 33;
        return k;
    }
}
