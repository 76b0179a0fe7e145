package io.grade.generator;

/**
 * The kinds of bad records the generator can inject to exercise the job's dead-letter path; each
 * names the dead-letter reason the job should give it.
 */
public enum MalformedKind {
    /** Bytes without the Avro single-object marker (either topic). */
    GARBAGE_BYTES,
    /** A valid encoding cut in half (either topic). */
    TRUNCATED,
    /** An impression whose feature vector is one entry short. */
    FEATURE_DIM_MISMATCH,
    /** An impression whose served weights do not sum to 1. */
    INVALID_WEIGHTS,
    /** A feedback event of a type no task is mapped to. */
    UNKNOWN_FEEDBACK_TYPE,
    /** A feedback event with a negative value. */
    NEGATIVE_VALUE;

    /** True for kinds written to the impressions topic. */
    boolean forImpressions() {
        return this != UNKNOWN_FEEDBACK_TYPE && this != NEGATIVE_VALUE;
    }

    /** True for kinds written to the feedback topic. */
    boolean forFeedback() {
        return this != FEATURE_DIM_MISMATCH && this != INVALID_WEIGHTS;
    }
}
