package io.grade.cli.policy;

import io.grade.model.policy.PolicyControls;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the policy topic holds for one model, read once from the beginning to its end offsets with
 * {@code read_committed} (what serving sees): every snapshot record and every control record of the
 * model, in offset order, decoded or with the reason they do not decode.
 *
 * @param modelId the model
 * @param snapshots records under the model's key
 * @param controls records under the model's control key
 */
public record PolicyTopicView(String modelId, List<Entry<PolicySnapshot>> snapshots,
                              List<Entry<PolicyControl>> controls) {

    /** Kafka header the CLI writes on the records it publishes: who and why (the job writes none). */
    public static final String ORIGIN_HEADER = io.grade.jobs.publish.PolicyTopicDeserializer.ORIGIN_HEADER;

    /**
     * One record.
     *
     * @param offset its offset (the topic has one partition; the partition is in {@code partition})
     * @param partition its partition
     * @param timestamp the Kafka record timestamp
     * @param value the decoded value, or null
     * @param failure why it does not decode, or null
     * @param origin the {@value #ORIGIN_HEADER} header, or null (written by the job)
     */
    public record Entry<T>(int partition, long offset, Instant timestamp, T value, String failure, String origin) {

        public boolean ok() {
            return value != null;
        }
    }

    /** Reads the topic (all partitions) up to the end offsets it has when the read starts. */
    public static PolicyTopicView read(String bootstrapServers, Map<String, String> clientProperties, String topic,
                                       String modelId, Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        byte[] key = modelId.getBytes(StandardCharsets.UTF_8);
        byte[] controlKey = PolicyControls.key(modelId).getBytes(StandardCharsets.UTF_8);
        EventCodec<PolicySnapshot> snapshotCodec = EventCodec.policySnapshots();
        EventCodec<PolicyControl> controlCodec = EventCodec.policyControls();
        List<Entry<PolicySnapshot>> snapshots = new ArrayList<>();
        List<Entry<PolicyControl>> controls = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("policy topic " + topic + " does not exist on " + bootstrapServers);
            }
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(parts, timeout));
            while (!reached(c, end, timeout)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read policy topic " + topic + " on " + bootstrapServers
                            + " to its end within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || r.value() == null) {
                        continue; // tombstones and unkeyed records are nobody's state
                    }
                    if (Arrays.equals(r.key(), key)) {
                        snapshots.add(entry(r, snapshotCodec.decode(r.value())));
                    } else if (Arrays.equals(r.key(), controlKey)) {
                        controls.add(entry(r, controlCodec.decode(r.value())));
                    }
                }
            }
        }
        return new PolicyTopicView(modelId, List.copyOf(snapshots), List.copyOf(controls));
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end, Duration timeout) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey(), timeout) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> Entry<T> entry(
            ConsumerRecord<byte[], byte[]> r, DecodeResult<T> d) {
        Header h = r.headers().lastHeader(ORIGIN_HEADER);
        String origin = h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        return new Entry<>(r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), d.isOk() ? d.value() : null,
                d.isOk() ? null : d.failure().toString(), origin);
    }

    /** Highest version among the decodable snapshots, 0 when there is none. */
    public long maxVersion() {
        return snapshots.stream().filter(Entry::ok).mapToLong(e -> e.value().getVersion()).max().orElse(0);
    }

    /**
     * Snapshot of {@code version}: the last decodable record with it, else the pinned snapshot of
     * the current control record (a pin keeps its snapshot even after compaction removed the record).
     */
    public Optional<PolicySnapshot> snapshot(long version, PublicKey verifyKey) {
        for (int i = snapshots.size() - 1; i >= 0; i--) {
            Entry<PolicySnapshot> e = snapshots.get(i);
            if (e.ok() && e.value().getVersion() == version) {
                return Optional.of(e.value());
            }
        }
        return currentControl(verifyKey).map(c -> PolicyControls.check(c, modelId, null, verifyKey).pinned())
                .filter(s -> s.getVersion() == version);
    }

    /**
     * The control state clients hold: the record with the highest sequence among those that pass
     * {@link PolicyControls#check} (with {@code verifyKey}, only correctly signed ones), if any.
     */
    public Optional<PolicyControl> currentControl(PublicKey verifyKey) {
        return controls.stream().filter(Entry::ok).map(Entry::value)
                .filter(c -> PolicyControls.check(c, modelId, null, verifyKey).ok())
                .max(Comparator.comparingLong(PolicyControl::getSequence));
    }

    /**
     * Highest sequence of any decodable control record, valid or not: a new record must be above it,
     * or a client that took a bad record for good (no verify key) would ignore the new one as stale.
     */
    public long maxControlSequence() {
        return controls.stream().filter(Entry::ok).mapToLong(e -> e.value().getSequence()).max().orElse(0);
    }

    /** Versions of the decodable snapshots, ascending, without repeats. */
    public List<Long> versions() {
        return snapshots.stream().filter(Entry::ok).map(e -> e.value().getVersion()).distinct().sorted().toList();
    }
}
