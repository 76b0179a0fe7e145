package io.grade.jobs.publish;

import io.grade.model.policy.PolicyVersions;

/**
 * A policy version on its way to the policy topic: the Avro single-object bytes of a
 * PolicySnapshot plus the fields the sink needs. A Flink POJO (no Kryo, no Avro type info).
 */
public class PublishedPolicy {

    /** Model id: the record key on the compacted topic. */
    public String modelId;
    /** Policy version, strictly increasing, in [1, 2^53] (see {@link PolicyVersions}). */
    public long version;
    /** Wall-clock creation time (ms), used as the Kafka record timestamp. */
    public long createdAtMillis;
    /** PolicySnapshot in single-object encoding. */
    public byte[] payload;

    public PublishedPolicy() {}

    /** @throws IllegalArgumentException when {@code version} is outside [1, {@link PolicyVersions#MAX_VERSION}] */
    public PublishedPolicy(String modelId, long version, long createdAtMillis, byte[] payload) {
        if (!PolicyVersions.inRange(version)) {
            throw new IllegalArgumentException("policy version " + version + " of model " + modelId
                    + " is outside [1, " + PolicyVersions.MAX_VERSION + "]");
        }
        this.modelId = modelId;
        this.version = version;
        this.createdAtMillis = createdAtMillis;
        this.payload = payload;
    }
}
