package io.grade.serving;

import io.grade.schemas.ExperimentArm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The online holdout (A/B test) of serving: a fixed share of users, the control arm, is ranked with
 * the static fallback weights, everyone else (treatment) with the learned policy. Assignment is
 * deterministic and the same in every language: SHA-256 of the salt's UTF-8 bytes, one zero byte and
 * the user id's UTF-8 bytes; the top 53 bits of the digest's first 8 bytes (read as a big-endian
 * unsigned integer, shifted right by 11) divided by 2^53 give a number u in [0, 1); the user is in control when u is below
 * the control share. A user keeps the arm for as long as the salt stays the same; a new salt draws
 * a new control group (do it when starting a new experiment, never during one). Thread-safe.
 *
 * <p>The arm goes into the Impression ({@code arm}) so that the job can compare the arms on the
 * rewards users actually gave (docs/design-holdout.md).
 */
public final class OnlineHoldout {

    /** Share of users in the control arm unless configured otherwise: 5 %. */
    public static final double DEFAULT_CONTROL_SHARE = 0.05;
    /** Salt unless configured otherwise. */
    public static final String DEFAULT_SALT = "grade-holdout-1";

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });
    private static final OnlineHoldout NONE = new OnlineHoldout(0, "", false);

    private final double controlShare;
    private final String salt;
    private final byte[] saltBytes;
    private final boolean enabled;

    private OnlineHoldout(double controlShare, String salt, boolean enabled) {
        this.controlShare = controlShare;
        this.salt = salt;
        this.saltBytes = salt.getBytes(StandardCharsets.UTF_8);
        this.enabled = enabled;
    }

    /**
     * A holdout with {@code controlShare} of users in control.
     *
     * @throws IllegalArgumentException if the share is not in [0, 0.5] or the salt is empty: a
     *     control arm larger than treatment is a mistake, not an experiment
     */
    public static OnlineHoldout of(double controlShare, String salt) {
        if (!(controlShare >= 0 && controlShare <= 0.5)) {
            throw new IllegalArgumentException("control share must be in [0, 0.5], got " + controlShare);
        }
        if (Objects.requireNonNull(salt, "salt").isEmpty()) {
            throw new IllegalArgumentException("holdout salt must not be empty");
        }
        return new OnlineHoldout(controlShare, salt, true);
    }

    /** The default holdout: {@link #DEFAULT_CONTROL_SHARE} with {@link #DEFAULT_SALT}. */
    public static OnlineHoldout defaults() {
        return of(DEFAULT_CONTROL_SHARE, DEFAULT_SALT);
    }

    /** No holdout: every user is served the policy and recorded as {@link ExperimentArm#UNASSIGNED}. */
    public static OnlineHoldout none() {
        return NONE;
    }

    /** The arm of a user: CONTROL, TREATMENT, or UNASSIGNED when there is no holdout. */
    public ExperimentArm armOf(String userId) {
        if (!enabled) {
            return ExperimentArm.UNASSIGNED;
        }
        return position(userId) < controlShare ? ExperimentArm.CONTROL : ExperimentArm.TREATMENT;
    }

    /** The user's position u in [0, 1) (see the class comment). */
    double position(String userId) {
        MessageDigest md = SHA256.get();
        md.reset();
        md.update(saltBytes);
        md.update((byte) 0);
        md.update(userId.getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(md.digest()).getLong();
        return (bits >>> 11) * 0x1p-53;
    }

    public boolean enabled() {
        return enabled;
    }

    public double controlShare() {
        return controlShare;
    }

    public String salt() {
        return salt;
    }

    @Override
    public String toString() {
        return enabled ? "OnlineHoldout{control " + controlShare + ", salt " + salt + "}" : "OnlineHoldout{none}";
    }
}
