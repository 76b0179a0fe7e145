package io.grade.model.policy;

/**
 * One reason a policy snapshot must not be served.
 *
 * @param kind what is wrong
 * @param detail human-readable specifics (which tensor, which value)
 */
public record SnapshotProblem(Kind kind, String detail) {

    /** Categories of snapshot problems. */
    public enum Kind {
        /** The stored checksum differs from the one computed over the tensors. */
        CHECKSUM_MISMATCH,
        /** A tensor the architecture needs is absent. */
        MISSING_TENSOR,
        /** A tensor the architecture does not know, or a name that appears twice. */
        EXTRA_TENSOR,
        /** A tensor's declared shape is not the one the architecture needs. */
        WRONG_SHAPE,
        /** A tensor's number of values is not the product of its shape. */
        VALUE_COUNT_MISMATCH,
        /** A parameter value, beta, alphaHat or alphaMin is NaN or infinite. */
        NON_FINITE_VALUE,
        /** Task names, betas and the output layer disagree on the number of tasks, or differ from the expected tasks. */
        TASK_COUNT_MISMATCH,
        /** The feature dimension differs from the expected one. */
        FEATURE_DIM_MISMATCH,
        /** Architecture fields are out of range (non-positive sizes, eps floor not in [0, 1/n)). */
        INVALID_ARCHITECTURE,
        /** Same number of tasks, but other task names or another order than expected. */
        TASK_NAMES_MISMATCH,
        /** The fusion kind differs from the expected one. */
        FUSION_MISMATCH,
        /** The betas differ from the expected ones. */
        BETAS_MISMATCH,
        /** alphaHat or alphaMin is zero or negative (Dirichlet concentrations must be positive). */
        NON_POSITIVE_CONCENTRATION,
        /** The version is outside [1, {@link PolicyVersions#MAX_VERSION}]: its successor could overflow. */
        VERSION_OUT_OF_RANGE,
        /** The version is more than the configured bound above the version held. */
        VERSION_JUMP,
        /** A verification key is configured but the snapshot carries no signature. */
        SIGNATURE_MISSING,
        /** The signature does not verify with the configured public key (forged, altered or another key). */
        SIGNATURE_INVALID,
        /**
         * A control record ({@code PolicyControl}) is inconsistent: sequence below 1, pinned version out
         * of range, or a pinned snapshot that is missing, undecodable or of another model or version.
         */
        CONTROL_INVALID
    }
}
