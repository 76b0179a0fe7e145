package io.grade.schemas.codec;

/** A decoding failure with its reason code and a human-readable message. */
public record DecodeFailure(DecodeFailureReason reason, String message) {}
