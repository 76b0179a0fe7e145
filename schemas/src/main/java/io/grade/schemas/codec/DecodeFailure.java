package io.grade.schemas.codec;

/**
 * A decoding failure with its reason code and a human-readable message.
 *
 * @param limitedField for a count beyond its configured maximum ({@link DecodeLimits#maxCounts()}),
 *                     the {@code Record.field} it belongs to, so that callers can report the
 *                     precise rule (e.g. too many items); null otherwise
 */
public record DecodeFailure(DecodeFailureReason reason, String message, String limitedField) {

    public DecodeFailure(DecodeFailureReason reason, String message) {
        this(reason, message, null);
    }
}
