package io.grade.jobs.events;

/** A rejected input on its way to the dead-letter topic (a Flink POJO; Avro DeadLetter at the sink). */
public class DeadLetterRecord {

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
        d.sourceTopic = topic;
        d.partition = partition;
        d.offset = offset;
        d.reason = reason;
        d.message = message;
        d.key = key;
        d.payload = payload;
        d.recordTimestamp = recordTimestamp;
        d.failedAt = failedAt;
        return d;
    }

    @Override
    public String toString() {
        return "DeadLetterRecord{" + reason + " " + sourceTopic + "-" + partition + "@" + offset + ": " + message + "}";
    }
}
