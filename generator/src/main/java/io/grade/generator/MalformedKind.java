package io.grade.generator;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The kinds of hostile records the generator can inject ({@code --malformed-kinds},
 * {@code --malformed-rate}) to exercise the job's dead-letter path. Each kind names the dead-letter
 * reason code the job gives it at its default configuration ({@link #deadLetterReason()}), or none
 * for the duplicates, which the session join drops by event id and counts
 * ({@code grade.join.duplicateImpressions} / {@code duplicateFeedback}, docs/design-join.md).
 *
 * <p>A bad record is derived from the valid event just produced ({@link #origin()}); it gets its
 * own ids ({@code bad-<n>}) where it has ids, except the duplicates and the feedback that names the
 * valid request. It goes to the topic of its origin, except {@link #UNKNOWN_ITEM} and
 * {@link #UNKNOWN_REQUEST}, which are feedback derived from an impression. {@link #weight()} sets
 * how often a kind is drawn relative to the others: the two ~1 MB kinds are drawn ten times less often.
 */
public enum MalformedKind {
    // ---- either topic: decoding -------------------------------------------------------------------
    /** Random bytes without the Avro single-object marker. */
    GARBAGE_BYTES(Origin.EITHER, "GARBAGE_BYTES"),
    /** A valid encoding cut short right after its first field (the event id). */
    TRUNCATED(Origin.EITHER, "TRUNCATED"),
    /** A zero-length value. */
    EMPTY_VALUE(Origin.EITHER, "EMPTY_PAYLOAD"),
    /** A tombstone: the user's key with a null value. */
    TOMBSTONE(Origin.EITHER, "EMPTY_PAYLOAD"),
    /** A record without key, with random bytes as its value. */
    NULL_KEY(Origin.EITHER, "GARBAGE_BYTES"),
    /** The single-object marker followed by a fingerprint of no known schema and a valid body. */
    UNKNOWN_FINGERPRINT(Origin.EITHER, "UNKNOWN_SCHEMA"),
    /** A valid event of the other topic's schema (an impression on the feedback topic and vice versa). */
    WRONG_SCHEMA(Origin.EITHER, "UNKNOWN_SCHEMA"),
    /** 31 bytes: a valid header, then a first string whose length field says 400 MB. */
    LENGTH_BOMB(Origin.EITHER, "LENGTH_OUT_OF_BOUNDS"),
    /**
     * A valid event of 1,000,000 bytes (under the broker's default 1 MB limit) whose event id is
     * almost all of it: longer than the job's max-string-bytes.
     */
    HUGE_VALUE(Origin.EITHER, "LENGTH_OUT_OF_BOUNDS", 1),
    /**
     * A 500 kB key with a 500 kB value of random bytes: 1 MB together, what a topic with default
     * limits accepts (its dead letter must stay under the dead-letter producer's 1 MB limit).
     */
    HUGE_KEY_AND_VALUE(Origin.EITHER, "GARBAGE_BYTES", 1),
    // ---- either topic: event time -----------------------------------------------------------------
    /** Event time before 1970 (1900-01-01). */
    NEGATIVE_TIME(Origin.EITHER, "NEGATIVE_TIME"),
    /** Event time 9999-12-31: would drag the watermark to the end of time. */
    FAR_FUTURE_TIME(Origin.EITHER, "EVENT_TIME_OUT_OF_RANGE"),
    /** Event time 1971-01-01: positive but decades behind the watermark. */
    FAR_PAST_TIME(Origin.EITHER, "EVENT_TIME_OUT_OF_RANGE"),
    // ---- impressions --------------------------------------------------------------------------------
    /** 31 bytes: a valid header, short ids, then a served-weights array whose count says 400 million. */
    ARRAY_LENGTH_BOMB(Origin.IMPRESSION, "LENGTH_OUT_OF_BOUNDS"),
    /** The feature vector is one entry short. */
    FEATURE_DIM_MISMATCH(Origin.IMPRESSION, "FEATURE_DIM_MISMATCH"),
    /** One served weight too few. */
    TASK_COUNT_MISMATCH(Origin.IMPRESSION, "TASK_COUNT_MISMATCH"),
    /** One item has one score too few. */
    SCORE_COUNT_MISMATCH(Origin.IMPRESSION, "TASK_COUNT_MISMATCH"),
    /** No candidate items. */
    EMPTY_ITEMS(Origin.IMPRESSION, "EMPTY_ITEMS"),
    /** 1,000 candidate items (the job's default max-items is 200). */
    TOO_MANY_ITEMS(Origin.IMPRESSION, "TOO_MANY_ITEMS"),
    /** The second item repeats the first one's id. */
    DUPLICATE_ITEM_ID(Origin.IMPRESSION, "DUPLICATE_ITEM_ID"),
    /** A blank user id. */
    MISSING_USER_ID(Origin.IMPRESSION, "MISSING_FIELD"),
    /** One item's first score is NaN. */
    NAN_SCORE(Origin.IMPRESSION, "NON_FINITE"),
    /** The first feature is +Infinity. */
    INFINITE_FEATURE(Origin.IMPRESSION, "NON_FINITE"),
    /** The first served weight is NaN. */
    NAN_WEIGHT(Origin.IMPRESSION, "NON_FINITE"),
    /** One item's first score is negative. */
    NEGATIVE_SCORE(Origin.IMPRESSION, "NEGATIVE_SCORE"),
    /** Served weights that sum to 2. */
    INVALID_WEIGHTS(Origin.IMPRESSION, "INVALID_WEIGHTS"),
    /** A negative served weight (the others raised so they still sum to 1). */
    NEGATIVE_WEIGHT(Origin.IMPRESSION, "INVALID_WEIGHTS"),
    /** The impression again, byte for byte (a producer retry): deduplicated, not dead-lettered. */
    DUPLICATE_IMPRESSION(Origin.IMPRESSION, null),
    /** Feedback for the request just served, naming an item it does not have. */
    UNKNOWN_ITEM(Origin.IMPRESSION, "UNKNOWN_ITEM"),
    /** Feedback for a request that was never served: an orphan once orphan-wait has passed. */
    UNKNOWN_REQUEST(Origin.IMPRESSION, "ORPHANED_FEEDBACK"),
    // ---- feedback -------------------------------------------------------------------------------------
    /** A feedback type no task is mapped to. */
    UNKNOWN_FEEDBACK_TYPE(Origin.FEEDBACK, "UNKNOWN_FEEDBACK_TYPE"),
    /** A negative value. */
    NEGATIVE_VALUE(Origin.FEEDBACK, "NEGATIVE_VALUE"),
    /** A value of NaN or +Infinity. */
    NON_FINITE_VALUE(Origin.FEEDBACK, "NON_FINITE"),
    /** A blank item id. */
    MISSING_ITEM_ID(Origin.FEEDBACK, "MISSING_FIELD"),
    /** The feedback event again, byte for byte (a producer retry): deduplicated, not dead-lettered. */
    DUPLICATE_FEEDBACK(Origin.FEEDBACK, null);

    /** What a bad record is derived from. */
    enum Origin { IMPRESSION, FEEDBACK, EITHER }

    private final Origin origin;
    private final String deadLetterReason;
    private final int weight;

    MalformedKind(Origin origin, String deadLetterReason) {
        this(origin, deadLetterReason, 10);
    }

    MalformedKind(Origin origin, String deadLetterReason, int weight) {
        this.origin = origin;
        this.deadLetterReason = deadLetterReason;
        this.weight = weight;
    }

    /**
     * The dead-letter reason code ({@code DeadLetter.reasonCode}) the job gives a record of this
     * kind, or null for a kind the join deduplicates instead.
     */
    public String deadLetterReason() {
        return deadLetterReason;
    }

    /** True for the duplicates: dropped by the join's deduplication and counted, never dead-lettered. */
    public boolean deduplicated() {
        return deadLetterReason == null;
    }

    /** Relative frequency among the enabled kinds of the same origin. */
    public int weight() {
        return weight;
    }

    Origin origin() {
        return origin;
    }

    /** True for kinds derived from an impression. */
    boolean forImpressions() {
        return origin != Origin.FEEDBACK;
    }

    /** True for kinds derived from a feedback event. */
    boolean forFeedback() {
        return origin != Origin.IMPRESSION;
    }

    /**
     * Parses a comma-separated list of kind names (case-insensitive, {@code -} for {@code _}), or
     * {@code all}; the message names {@code option} and lists the kinds.
     */
    public static Set<MalformedKind> parse(String option, String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException(option + " must name at least one kind or 'all'");
        }
        if (list.trim().equalsIgnoreCase("all")) {
            return EnumSet.allOf(MalformedKind.class);
        }
        Set<MalformedKind> out = EnumSet.noneOf(MalformedKind.class);
        for (String s : list.split(",")) {
            String name = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            try {
                out.add(valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": unknown kind '" + s.trim() + "'; kinds are all, "
                        + Arrays.stream(values()).map(MalformedKind::name).collect(Collectors.joining(", ")));
            }
        }
        return out;
    }
}
