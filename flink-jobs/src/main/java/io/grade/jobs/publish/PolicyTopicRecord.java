package io.grade.jobs.publish;

/**
 * One record of the model on the policy topic, as the learner follows it: a snapshot (key = model
 * id) or a control record (key = model id + {@code #control}), still encoded; the learner decodes
 * and checks it. A Flink POJO.
 */
public class PolicyTopicRecord {

    /** True for a control record (pin, kill switch), false for a snapshot. */
    public boolean control;
    /** The record value, single-object encoded. */
    public byte[] value;
    /** The {@code grade.origin} header ({@code ./grade policy rollback} writes it), or null (written by a job). */
    public String origin;

    public PolicyTopicRecord() {}

    public PolicyTopicRecord(boolean control, byte[] value, String origin) {
        this.control = control;
        this.value = value;
        this.origin = origin;
    }
}
