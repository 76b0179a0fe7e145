package io.grade.jobs.events;

/** The result of validating one event: the accepted value, or the reason and message of its rejection. */
public record Checked<T>(T value, DeadLetterReason reason, String message) {

    public static <T> Checked<T> ok(T value) {
        return new Checked<>(value, null, null);
    }

    public static <T> Checked<T> rejected(DeadLetterReason reason, String message) {
        return new Checked<>(null, reason, message);
    }

    public boolean isOk() {
        return reason == null;
    }
}
