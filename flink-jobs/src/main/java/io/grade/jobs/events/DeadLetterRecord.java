package io.grade.jobs.events;

/**
 * A rejected input on its way to the dead-letter topic (a Flink POJO; Avro DeadLetter at the sink,
 * where {@link io.grade.jobs.kafka.DeadLetterSerializationSchema} bounds its size). Key and payload
 * are the original record's bytes, whole; the message is cut to {@link #MAX_MESSAGE_CHARS}.
 */
public class DeadLetterRecord {

    /** Longest message kept: exception texts can quote hostile input at any length. */
    public static final int MAX_MESSAGE_CHARS = 1000;

    public String sourceTopic;
    public int partition;
    public long offset;
    public DeadLetterReason reason;
    public String message;
    public byte[] key;
    public byte[] payload;
    public long recordTimestamp;
    public long failedAt;

    public DeadLetterRecord() {}

    public static DeadLetterRecord of(String topic, int partition, long offset, DeadLetterReason reason, String message,
                                      byte[] key, byte[] payload, long recordTimestamp, long failedAt) {
        DeadLetterRecord d = new DeadLetterRecord();
        d.sourceTopic = topic == null ? "" : topic;
        d.partition = partition;
        d.offset = offset;
        d.reason = reason;
        d.message = boundedMessage(message);
        d.key = key;
        d.payload = payload;
        d.recordTimestamp = recordTimestamp;
        d.failedAt = failedAt;
        return d;
    }

    /** The message, never null, cut to {@link #MAX_MESSAGE_CHARS} characters with a marker. */
    public static String boundedMessage(String message) {
        if (message == null) {
            return "";
        }
        if (message.length() <= MAX_MESSAGE_CHARS) {
            return message;
        }
        String marker = "... (" + message.length() + " chars)";
        int keep = MAX_MESSAGE_CHARS - marker.length();
        if (Character.isHighSurrogate(message.charAt(keep - 1))) {
            keep--;
        }
        return message.substring(0, keep) + marker;
    }

    @Override
    public String toString() {
        return "DeadLetterRecord{" + reason + " " + sourceTopic + "-" + partition + "@" + offset + ": " + message + "}";
    }
}
