package io.grade.schemas.codec;

import java.util.Objects;

/** Either a decoded record or the reason it could not be decoded; decoding never throws. */
public final class DecodeResult<T> {

    private final T value;
    private final DecodeFailure failure;

    private DecodeResult(T value, DecodeFailure failure) {
        this.value = value;
        this.failure = failure;
    }

    public static <T> DecodeResult<T> ok(T value) {
        return new DecodeResult<>(Objects.requireNonNull(value), null);
    }

    public static <T> DecodeResult<T> failed(DecodeFailureReason reason, String message) {
        return new DecodeResult<>(null, new DecodeFailure(reason, message));
    }

    public static <T> DecodeResult<T> failed(DecodeFailure failure) {
        return new DecodeResult<>(null, Objects.requireNonNull(failure));
    }

    public boolean isOk() {
        return failure == null;
    }

    /** The decoded record; throws if decoding failed. */
    public T value() {
        if (failure != null) {
            throw new IllegalStateException("decoding failed: " + failure);
        }
        return value;
    }

    /** The failure; throws if decoding succeeded. */
    public DecodeFailure failure() {
        if (failure == null) {
            throw new IllegalStateException("decoding succeeded");
        }
        return failure;
    }

    @Override
    public String toString() {
        return isOk() ? "DecodeResult[ok " + value + "]" : "DecodeResult[" + failure + "]";
    }
}
