package io.grade.jobs.publish;

import io.grade.model.policy.PolicyControls;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Keeps the policy topic's records of one model (its snapshots and its control records), without
 * decoding them; other models, unkeyed records and tombstones are dropped here.
 */
public final class PolicyTopicDeserializer implements KafkaRecordDeserializationSchema<PolicyTopicRecord> {

    private static final long serialVersionUID = 1L;

    /** Header the CLI writes on what it publishes (see {@code PolicyTopicView.ORIGIN_HEADER}). */
    public static final String ORIGIN_HEADER = "grade.origin";

    private final byte[] modelKey;
    private final byte[] controlKey;

    public PolicyTopicDeserializer(String modelId) {
        this.modelKey = modelId.getBytes(StandardCharsets.UTF_8);
        this.controlKey = PolicyControls.key(modelId).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<PolicyTopicRecord> out) {
        if (r.key() == null || r.value() == null) {
            return;
        }
        boolean control = Arrays.equals(r.key(), controlKey);
        if (!control && !Arrays.equals(r.key(), modelKey)) {
            return;
        }
        Header h = r.headers().lastHeader(ORIGIN_HEADER);
        out.collect(new PolicyTopicRecord(control, r.value(),
                h == null ? null : new String(h.value(), StandardCharsets.UTF_8)));
    }

    @Override
    public TypeInformation<PolicyTopicRecord> getProducedType() {
        return TypeInformation.of(PolicyTopicRecord.class);
    }
}
