package io.grade.serving;

import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serving-side policy client: follows the policy topic with {@code read_committed} on all
 * partitions from the beginning (the topic is compacted, so this replays the newest version of
 * each model), validates every snapshot and swaps it in atomically; bad snapshots are counted and
 * the last good policy is kept. No consumer group: every serving instance reads everything.
 */
public final class PolicyClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyClient.class);
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);

    private final String topic;
    private final byte[] modelKey;
    private final PolicyHolder holder;
    private final Properties consumerProps;
    private final Duration pollTimeout;
    private final EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
    private final CountDownLatch warm = new CountDownLatch(1);
    private final AtomicLong decodeFailures = new AtomicLong();
    private final AtomicLong otherKeys = new AtomicLong();
    private final Thread thread;
    private final Consumer<PolicySnapshot> onAccepted;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running = true;
    private volatile Throwable failure;

    private PolicyClient(Builder b) {
        this.topic = b.topic;
        this.holder = new PolicyHolder(b.fallback);
        this.modelKey = b.fallback.modelId().getBytes(StandardCharsets.UTF_8);
        this.pollTimeout = b.pollTimeout;
        this.onAccepted = b.onAccepted;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "grade-policy-client-" + b.fallback.modelId());
        p.putAll(b.overrides);
        this.consumerProps = p;
        this.thread = new Thread(this::loop, "grade-policy-client-" + b.fallback.modelId());
        this.thread.setDaemon(true);
    }

    /** A builder; {@code fallback} is served until the first valid snapshot and fixes model id, tasks and feature dimension. */
    public static Builder builder(String bootstrapServers, String topic, ServingPolicy fallback) {
        return new Builder(bootstrapServers, topic, fallback);
    }

    /** Starts following the topic in a background thread. */
    public PolicyClient start() {
        thread.start();
        return this;
    }

    /** Waits until the client has read the topic up to where it ended when the client started. */
    public boolean awaitWarmUp(Duration timeout) throws InterruptedException {
        return warm.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The policy to serve now (never null; the fallback until a valid snapshot arrived). */
    public ServingPolicy current() {
        return holder.current();
    }

    /** Counters of accepted and rejected snapshots. */
    public PolicyHolder holder() {
        return holder;
    }

    /** Records on the topic that did not decode as a PolicySnapshot. */
    public long decodeFailures() {
        return decodeFailures.get();
    }

    /** Records of other model ids, skipped without decoding. */
    public long otherModelRecords() {
        return otherKeys.get();
    }

    /** The error that stopped the background thread, if any. */
    public Throwable failure() {
        return failure;
    }

    private void loop() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps)) {
            consumer = c;
            List<TopicPartition> partitions = assignAll(c, List.of());
            Map<TopicPartition, Long> warmUpEnd = new HashMap<>(c.endOffsets(partitions));
            long nextRefresh = System.nanoTime() + PARTITION_REFRESH.toNanos();
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(pollTimeout)) {
                    handle(r);
                }
                if (warm.getCount() > 0 && reached(c, warmUpEnd)) {
                    LOG.info("policy client warmed up on {}: serving v{}", topic, holder.current().version());
                    warm.countDown();
                }
                if (System.nanoTime() > nextRefresh) {
                    partitions = assignAll(c, partitions);
                    nextRefresh = System.nanoTime() + PARTITION_REFRESH.toNanos();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure = e;
            }
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("policy client on {} stopped; keeps serving v{}", topic, holder.current().version(), e);
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() != null && !Arrays.equals(r.key(), modelKey)) {
            otherKeys.incrementAndGet();
            return;
        }
        if (r.value() == null) {
            return; // tombstone: deleting a model's history never un-serves the held policy
        }
        DecodeResult<PolicySnapshot> d = codec.decode(r.value());
        if (!d.isOk()) {
            decodeFailures.incrementAndGet();
            LOG.warn("undecodable policy record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), d.failure());
            return;
        }
        if (holder.offer(d.value()).status() == SnapshotOutcome.Status.ACCEPTED) {
            onAccepted.accept(d.value());
        }
    }

    private boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Assigns every partition of the topic (waiting for it to exist); new ones start from the beginning. */
    private List<TopicPartition> assignAll(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> had) {
        while (running) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> all = new ArrayList<>();
                for (PartitionInfo i : infos) {
                    all.add(new TopicPartition(topic, i.partition()));
                }
                if (!all.equals(had)) {
                    c.assign(all);
                    List<TopicPartition> fresh = new ArrayList<>(all);
                    fresh.removeAll(had);
                    c.seekToBeginning(fresh);
                }
                return all;
            }
            LOG.info("policy topic {} does not exist yet; waiting", topic);
            sleepQuietly(1000);
        }
        return had;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builder of {@link PolicyClient}. */
    public static final class Builder {
        private final String bootstrapServers;
        private final String topic;
        private final ServingPolicy fallback;
        private final Map<String, Object> overrides = new HashMap<>();
        private Duration pollTimeout = Duration.ofMillis(200);
        private Consumer<PolicySnapshot> onAccepted = s -> { };

        private Builder(String bootstrapServers, String topic, ServingPolicy fallback) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            this.topic = Objects.requireNonNull(topic, "topic");
            this.fallback = Objects.requireNonNull(fallback, "fallback");
        }

        /** Extra Kafka consumer property (security settings and the like). */
        public Builder consumerProperty(String key, Object value) {
            overrides.put(key, value);
            return this;
        }

        public Builder pollTimeout(Duration d) {
            this.pollTimeout = d;
            return this;
        }

        /** Called on the client thread with each snapshot that becomes the served policy. */
        public Builder onAccepted(Consumer<PolicySnapshot> listener) {
            this.onAccepted = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public PolicyClient build() {
            return new PolicyClient(this);
        }
    }
}
