package io.grade.jobs.kafka;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterRecord;
import io.grade.jobs.events.EventDeserializationSchema;
import io.grade.jobs.events.InputRecord;
import io.grade.jobs.session.LabelledRequest;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import java.util.Properties;

/** The job's Kafka sources and sinks, built from the configuration (tests and the benchmark reuse them). */
public final class KafkaConnectors {

    /** batch.size of the exactly-once sinks' producers. */
    static final int SINK_BATCH_BYTES = 256 * 1024;
    /** Kafka's default max.request.size. */
    static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
    /** Headroom over a record's key + value: record (~21 B) and batch (61 B) headers, with margin. */
    static final int PRODUCE_OVERHEAD_BYTES = 48 * 1024;

    private KafkaConnectors() {}

    /**
     * One source over both input topics; every record becomes an {@link InputRecord}, bad bytes
     * included. One source rather than two: its enumerator assigns the partitions of both topics
     * together and each reader's watermark is the minimum over its impression and feedback splits,
     * so neither input can run the join's event time ahead of the other while the other waits for
     * its splits (a reader without splits counts as idle). See docs/design-join.md.
     */
    public static KafkaSource<InputRecord> source(GradeConfig c) {
        return source(c, c.bounded() ? OffsetsInitializer.latest() : null);
    }

    /** As {@link #source(GradeConfig)}, stopping at {@code stoppingOffsets} (null: never). */
    public static KafkaSource<InputRecord> source(GradeConfig c, OffsetsInitializer stoppingOffsets) {
        return source(c, stoppingOffsets, new EventDeserializationSchema(c));
    }

    /** As {@link #source(GradeConfig, OffsetsInitializer)} with another deserializer (benchmarks wrap the job's). */
    public static KafkaSource<InputRecord> source(GradeConfig c, OffsetsInitializer stoppingOffsets,
                                                  KafkaRecordDeserializationSchema<InputRecord> deserializer) {
        KafkaSourceBuilder<InputRecord> b = KafkaSource.<InputRecord>builder()
                .setProperties(clientProperties(c))
                .setBootstrapServers(c.bootstrapServers())
                .setTopics(c.impressionsTopic(), c.feedbackTopic())
                .setGroupId(c.groupId())
                .setClientIdPrefix(c.groupId() + "-inputs")
                .setDeserializer(deserializer)
                // Upstream producers may be transactional: never read what they aborted.
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .setStartingOffsets(switch (c.startingOffsets()) {
                    case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                });
        if (stoppingOffsets != null) {
            b.setBounded(stoppingOffsets);
        }
        return b.build();
    }

    /** Sink of the dead-letter topic. */
    public static KafkaSink<DeadLetterRecord> deadLetterSink(GradeConfig c) {
        return sink(c, c.deadLetterTopic(), "dlq", new DeadLetterSerializationSchema(c),
                deadLetterProducerProperties(c));
    }

    /**
     * Producer properties of the dead-letter sink (the sink adds the bootstrap servers and, for
     * exactly-once, transactional ids). max.request.size keeps Kafka's default of 1 MiB unless
     * max-dead-letter-bytes needs more: the largest dead letter plus the record and batch overhead.
     */
    public static Properties deadLetterProducerProperties(GradeConfig c) {
        Properties p = producerProperties(c);
        int needed = c.maxDeadLetterBytes() + PRODUCE_OVERHEAD_BYTES;
        if (needed > DEFAULT_MAX_REQUEST_BYTES) {
            p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(needed));
        }
        return p;
    }

    /** Sink of the labelled-requests topic; the configuration must name one. */
    public static KafkaSink<LabelledRequest> labelledRequestSink(GradeConfig c) {
        if (c.labelledRequestsTopic().isEmpty()) {
            throw new IllegalStateException("labelled-requests-topic is empty: labelled requests are not written");
        }
        return sink(c, c.labelledRequestsTopic(), "labelled",
                new LabelledRequestSerializationSchema(c.labelledRequestsTopic()), producerProperties(c));
    }

    private static <T> KafkaSink<T> sink(GradeConfig c, String topic, String idSuffix,
                                         KafkaRecordSerializationSchema<T> schema, Properties producer) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(c.bootstrapServers())
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(c.deliveryGuarantee())
                .setTransactionalIdPrefix(c.transactionalIdPrefix() + "-" + idSuffix)
                .build();
    }

    /**
     * Producer properties shared by the job's sinks: tunable defaults, then the extra client
     * properties (--kafka-property, --kafka-properties), then what the job controls.
     */
    static Properties producerProperties(GradeConfig c) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Records become visible only at the checkpoint's commit, so larger batches cost no
        // latency: 256 KiB holds ~190 labelled requests against ~11 in the default 16 KiB,
        // i.e. far fewer produce requests for the producer and the broker.
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(SINK_BATCH_BYTES));
        p.putAll(clientProperties(c));
        p.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(c.transactionTimeout().toMillis()));
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }

    /**
     * The extra Kafka client properties of every client of the job (security and the like), as
     * {@link Properties}; the job's reserved ones are refused when the configuration is built.
     */
    public static Properties clientProperties(GradeConfig c) {
        Properties p = new Properties();
        p.putAll(c.kafkaProperties());
        return p;
    }
}
