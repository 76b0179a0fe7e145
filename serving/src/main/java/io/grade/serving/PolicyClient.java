package io.grade.serving;

import io.grade.model.policy.PolicyControls;
import io.grade.model.policy.PolicyKeys;
import io.grade.model.policy.SnapshotExpectations;
import io.grade.schemas.ExperimentArm;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
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
 * each model), validates every snapshot strictly ({@link PolicyHolder}) and swaps it in
 * atomically; bad snapshots are counted by reason and the last good policy is kept. No consumer
 * group: every serving instance reads everything.
 *
 * <p>Control records under the key {@code <modelId>#control} ({@code ./grade policy pin | unpin |
 * kill-switch}) are applied by the holder ({@link PolicyHolder#offerControl}): a pin serves the
 * pinned version while newer ones keep being accepted, the kill switch serves the fallback; both
 * show in {@link #health()}. With a verify key they must be signed like snapshots.
 *
 * <p>The client never stops on its own: any failure (broker down, topic missing, a metadata or
 * offsets request timing out) is logged, recorded in {@link #health()}, and followed by a retry
 * with a fresh consumer after a bounded exponential backoff, continuing from the offsets already
 * read. A metadata and end-offsets request every {@code metadataInterval} doubles as a heartbeat,
 * so a broker that went away is noticed even when no record is due.
 */
public final class PolicyClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyClient.class);

    private final String topic;
    private final String bootstrapServers;
    private final byte[] modelKey;
    private final byte[] controlKey;
    private final PolicyHolder holder;
    private final ServingPolicy fallback;
    private final OnlineHoldout holdout;
    private final Properties consumerProps;
    private final Duration pollTimeout;
    private final Duration requestTimeout;
    private final Duration metadataInterval;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private final EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
    private final EventCodec<PolicyControl> controlCodec = EventCodec.policyControls();
    private final CountDownLatch warm = new CountDownLatch(1);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicLong decodeFailures = new AtomicLong();
    private final AtomicLong otherKeys = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong consecutiveFailures = new AtomicLong();
    /** Next offset to read per partition, kept across consumer re-creations. */
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final Thread thread;
    private final Consumer<PolicySnapshot> onAccepted;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Map<TopicPartition, Long> warmUpEnd;
    private volatile boolean running = true;
    private volatile boolean alive = true;
    private volatile boolean connected;
    private volatile Throwable lastFailure;
    private volatile Instant lastFailureAt;

    private PolicyClient(Builder b) {
        this.topic = b.topic;
        this.bootstrapServers = b.bootstrapServers;
        this.clock = b.clock;
        SnapshotExpectations expected = (b.expectations != null ? b.expectations
                : PolicyHolder.expectationsOf(b.fallback));
        if (b.maxVersionJump > 0) {
            expected = expected.withMaxVersionJump(b.maxVersionJump);
        }
        this.holder = new PolicyHolder(b.fallback, expected, b.clock, b.verifyKey);
        this.fallback = b.fallback;
        this.holdout = b.holdout;
        this.modelKey = b.fallback.modelId().getBytes(StandardCharsets.UTF_8);
        this.controlKey = PolicyControls.key(b.fallback.modelId()).getBytes(StandardCharsets.UTF_8);
        this.pollTimeout = b.pollTimeout;
        this.requestTimeout = b.requestTimeout;
        this.metadataInterval = b.metadataInterval;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.onAccepted = b.onAccepted;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "grade-policy-client-" + b.fallback.modelId());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(b.requestTimeout.toMillis()));
        p.putAll(b.overrides);
        this.consumerProps = p;
        this.thread = new Thread(this::loop, "grade-policy-client-" + b.fallback.modelId());
        this.thread.setDaemon(true);
    }

    /**
     * A builder. {@code fallback} is served until the first valid snapshot; it fixes the model id
     * and, unless {@link Builder#expectations} says otherwise, what every snapshot must agree with:
     * its task names (order included), feature dimension, fusion kind and betas.
     */
    public static Builder builder(String bootstrapServers, String topic, ServingPolicy fallback) {
        return new Builder(bootstrapServers, topic, fallback);
    }

    /** Starts following the topic in a background thread. */
    public PolicyClient start() {
        thread.start();
        return this;
    }

    /** Waits until the client has read the topic up to where it ended when the client first reached it. */
    public boolean awaitWarmUp(Duration timeout) throws InterruptedException {
        return warm.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The policy to serve now (never null; the fallback until a valid snapshot arrived). */
    public ServingPolicy current() {
        return holder.current();
    }

    /** The online holdout this client assigns users with ({@link OnlineHoldout#defaults()} unless configured). */
    public OnlineHoldout holdout() {
        return holdout;
    }

    /** The online-holdout arm of a user; record it in the Impression's {@code arm}. */
    public ExperimentArm arm(String userId) {
        return holdout.armOf(userId);
    }

    /**
     * The policy to rank a user's request with: the static fallback for users in the control arm of
     * the online holdout, {@link #current()} for everyone else.
     */
    public ServingPolicy policyFor(String userId) {
        return policyFor(arm(userId));
    }

    /** The policy for a user already assigned to {@code arm}: the fallback for CONTROL, else {@link #current()}. */
    public ServingPolicy policyFor(ExperimentArm arm) {
        return arm == ExperimentArm.CONTROL ? fallback : holder.current();
    }

    /** Counters of accepted and rejected snapshots. */
    public PolicyHolder holder() {
        return holder;
    }

    /** Records of the model that did not decode as a PolicySnapshot (or, under the control key, a PolicyControl). */
    public long decodeFailures() {
        return decodeFailures.get();
    }

    /** Records of other model ids, skipped without decoding. */
    public long otherModelRecords() {
        return otherKeys.get();
    }

    /** The last failure of the client loop (it was retried), or null. */
    public Throwable failure() {
        return lastFailure;
    }

    /** Everything a service's monitoring needs, as of now. */
    public PolicyClientHealth health() {
        ServingPolicy served = holder.current();
        Instant acceptedAt = holder.lastAcceptedAt();
        Instant now = clock.instant();
        Throwable f = lastFailure;
        return new PolicyClientHealth(served.modelId(), topic, alive && running, connected, warm.getCount() == 0,
                served.version(), served.createdAt(), acceptedAt,
                acceptedAt == null ? null : Duration.between(acceptedAt, now), holder.acceptedCount(),
                holder.rejectedInvalidCount(), holder.rejectionsByReason(), holder.rejectedStaleCount(), decodeFailures.get(), failures.get(),
                consecutiveFailures.get(), f == null ? null : f.getClass().getSimpleName() + ": " + f.getMessage(),
                lastFailureAt, holder.latestVersion(), holder.pinnedVersion(), holder.killSwitch(),
                holder.controlSequence(), holder.controlsAcceptedCount(), holder.controlsRejectedCount());
    }

    private void loop() {
        try {
            while (running) {
                try {
                    runSession();
                } catch (WakeupException e) {
                    if (running) {
                        recordFailure(e);
                    }
                } catch (Exception e) {
                    recordFailure(e);
                }
                if (running) {
                    backoff();
                }
            }
        } catch (Error e) {
            alive = false;
            recordFailure(e);
            LOG.error("policy client on {} stopped by {}; keeps serving v{}", topic, e, holder.current().version(), e);
            throw e;
        } finally {
            connected = false;
        }
    }

    /** One consumer's life: discover, assign, read until closed; any failure propagates to the retry loop. */
    private void runSession() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps)) {
            consumer = c;
            if (!running) {
                return; // close() ran before the consumer was visible to it
            }
            List<TopicPartition> partitions = discover(c);
            assign(c, partitions);
            if (warmUpEnd == null) {
                warmUpEnd = new HashMap<>(c.endOffsets(partitions, requestTimeout));
            }
            contact();
            long nextCheck = System.nanoTime() + metadataInterval.toNanos();
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(pollTimeout)) {
                    handle(r);
                    positions.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                }
                if (warm.getCount() > 0 && reached(c, warmUpEnd)) {
                    LOG.info("policy client warmed up on {}: serving v{}", topic, holder.current().version());
                    warm.countDown();
                }
                if (System.nanoTime() > nextCheck) {
                    List<TopicPartition> now = discover(c);
                    if (!now.equals(partitions)) {
                        assign(c, now);
                        partitions = now;
                    }
                    c.endOffsets(partitions, requestTimeout); // heartbeat: throws when the broker is gone
                    contact();
                    nextCheck = System.nanoTime() + metadataInterval.toNanos();
                }
            }
        } finally {
            consumer = null;
        }
    }

    /** Every partition of the topic; a missing topic is a failure like any other (retried). */
    private List<TopicPartition> discover(KafkaConsumer<byte[], byte[]> c) {
        List<PartitionInfo> infos;
        try {
            infos = c.partitionsFor(topic, requestTimeout);
        } catch (RuntimeException e) {
            connected = false;
            throw e;
        }
        connected = true; // the broker answered, even if the topic is not there
        if (infos == null || infos.isEmpty()) {
            throw new TopicMissingException("policy topic " + topic + " does not exist on " + bootstrapServers
                    + " (yet); serving v" + holder.current().version() + " meanwhile");
        }
        List<TopicPartition> all = new ArrayList<>();
        for (PartitionInfo i : infos) {
            all.add(new TopicPartition(topic, i.partition()));
        }
        all.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return all;
    }

    /** Assigns the partitions and positions each at the next offset to read (the beginning for new ones). */
    private void assign(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> partitions) {
        c.assign(partitions);
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long next = positions.get(tp);
            if (next == null) {
                fresh.add(tp);
            } else {
                c.seek(tp, next);
            }
        }
        if (!fresh.isEmpty()) {
            c.seekToBeginning(fresh);
        }
    }

    private void contact() {
        connected = true;
        if (consecutiveFailures.getAndSet(0) > 0) {
            LOG.info("policy client on {} reconnected to {}; serving v{}", topic, bootstrapServers,
                    holder.current().version());
        }
    }

    private void recordFailure(Throwable e) {
        if (!(e instanceof TopicMissingException)) {
            connected = false; // a missing topic is an answer from the broker
        }
        lastFailure = e;
        lastFailureAt = clock.instant();
        failures.incrementAndGet();
        long n = consecutiveFailures.incrementAndGet();
        // First failure in a row at WARN with the stack trace, repeats at WARN without it: visible, not flooding.
        if (n == 1) {
            LOG.warn("policy client on {} ({}) failed; retrying, serving v{}", topic, bootstrapServers,
                    holder.current().version(), e);
        } else {
            LOG.warn("policy client on {} ({}) failed {} times in a row; retrying, serving v{}: {}", topic,
                    bootstrapServers, n, holder.current().version(), e.toString());
        }
    }

    /** Sleeps min(max, initial * 2^(n-1)) with equal jitter (half fixed, half random); close() cuts it short. */
    private void backoff() {
        long n = Math.max(1, consecutiveFailures.get());
        long initial = initialBackoff.toMillis();
        long cap = maxBackoff.toMillis();
        long delay = n >= 31 ? cap : Math.min(cap, initial << (n - 1));
        long sleep = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        try {
            stop.await(sleep, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        boolean control = r.key() != null && Arrays.equals(r.key(), controlKey);
        if (r.key() != null && !control && !Arrays.equals(r.key(), modelKey)) {
            otherKeys.incrementAndGet();
            return;
        }
        if (r.value() == null) {
            return; // tombstone: deleting a model's history (or control state) never un-serves the held policy
        }
        if (control) {
            DecodeResult<PolicyControl> c = decode(controlCodec, r);
            if (c != null) {
                holder.offerControl(c.value());
            }
            return;
        }
        DecodeResult<PolicySnapshot> d = decode(codec, r);
        if (d == null) {
            return;
        }
        if (holder.offer(d.value()).status() == SnapshotOutcome.Status.ACCEPTED) {
            try {
                onAccepted.accept(d.value());
            } catch (RuntimeException e) {
                LOG.warn("onAccepted listener failed on v{}: {}", d.value().getVersion(), e.toString(), e);
            }
        }
    }

    /** The decoded record, or null when it does not decode (counted and logged). */
    private <T extends org.apache.avro.specific.SpecificRecordBase> DecodeResult<T> decode(EventCodec<T> with,
            ConsumerRecord<byte[], byte[]> r) {
        DecodeResult<T> d;
        try {
            d = with.decode(r.value());
        } catch (RuntimeException e) {
            d = null;
            LOG.warn("policy record {}-{}@{} broke the decoder: {}", r.topic(), r.partition(), r.offset(), e.toString());
        }
        if (d == null || !d.isOk()) {
            decodeFailures.incrementAndGet();
            if (d != null) {
                LOG.warn("undecodable policy record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), d.failure());
            }
            return null;
        }
        return d;
    }

    private boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey(), requestTimeout) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        running = false;
        stop.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(requestTimeout.toMillis() + 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The broker answered, but the topic is not there (yet). */
    private static final class TopicMissingException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TopicMissingException(String message) {
            super(message);
        }
    }

    /**
     * Consumer properties the client sets itself and {@link Builder#kafkaProperty} refuses: it
     * reads bytes, committed records only (an aborted snapshot is never served), replays from the
     * beginning and keeps no group or offsets.
     */
    public static final Map<String, String> RESERVED_PROPERTIES = KafkaClientProperties.reserved(Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "the client reads read_committed: aborted snapshots are never served",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "the client keeps no offsets",
            ConsumerConfig.GROUP_ID_CONFIG, "the client assigns the partitions itself and keeps no group",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "the client replays the topic from the beginning"));

    /** Builder of {@link PolicyClient}. */
    public static final class Builder {
        private final String bootstrapServers;
        private final String topic;
        private final ServingPolicy fallback;
        private final Map<String, Object> overrides = new HashMap<>();
        private Duration pollTimeout = Duration.ofMillis(200);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration metadataInterval = Duration.ofSeconds(10);
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private SnapshotExpectations expectations;
        private long maxVersionJump;
        private Clock clock = Clock.systemUTC();
        private Consumer<PolicySnapshot> onAccepted = s -> { };
        private PublicKey verifyKey;
        private OnlineHoldout holdout = OnlineHoldout.defaults();

        private Builder(String bootstrapServers, String topic, ServingPolicy fallback) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            this.topic = Objects.requireNonNull(topic, "topic");
            this.fallback = Objects.requireNonNull(fallback, "fallback");
        }

        /**
         * The online holdout (default {@link OnlineHoldout#defaults()}: 5 % of users in control,
         * ranked with the fallback's static weights); {@link OnlineHoldout#none()} turns it off.
         */
        public Builder holdout(OnlineHoldout h) {
            this.holdout = Objects.requireNonNull(h, "holdout");
            return this;
        }

        /**
         * Extra Kafka consumer property (security settings and the like, e.g. {@code
         * security.protocol}, {@code sasl.jaas.config}); the properties of {@link #RESERVED_PROPERTIES}
         * are refused by {@link #build()}.
         */
        public Builder kafkaProperty(String key, Object value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@link #kafkaProperty} for each entry (e.g. from {@link KafkaClientProperties#merge}). */
        public Builder kafkaProperties(Map<?, ?> properties) {
            properties.forEach((k, v) -> kafkaProperty(String.valueOf(k), v));
            return this;
        }

        /** How long one poll waits for records (default 200 ms). */
        public Builder pollTimeout(Duration d) {
            this.pollTimeout = d;
            return this;
        }

        /** Timeout of one metadata or offsets request (default 10 s); a timeout is a failure, retried. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        /** How often partitions and end offsets are refreshed, the heartbeat (default 10 s). */
        public Builder metadataInterval(Duration d) {
            this.metadataInterval = d;
            return this;
        }

        /** Retry delays: {@code initial}, doubled per failure in a row up to {@code max} (defaults 200 ms, 30 s). */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /**
         * What every snapshot must agree with: task names in order, feature dimension, fusion kind,
         * betas (bit for bit), version-jump bound. Defaults to what the fallback serves; given
         * explicitly (from the service's own configuration, for instance the tasks its MTL model
         * scores), {@link #build()} fails when the fallback disagrees.
         */
        public Builder expectations(SnapshotExpectations e) {
            this.expectations = Objects.requireNonNull(e, "expectations");
            return this;
        }

        /**
         * Largest accepted {@code version - held} once a version is held (default {@link
         * SnapshotExpectations#DEFAULT_MAX_VERSION_JUMP}); larger jumps are rejected as
         * VERSION_JUMP.
         */
        public Builder maxVersionJump(long jump) {
            if (jump < 1) {
                throw new IllegalArgumentException("maxVersionJump must be >= 1, got " + jump);
            }
            this.maxVersionJump = jump;
            return this;
        }

        /** Wall clock for the health view's times (default UTC system clock). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Requires every snapshot to carry a valid Ed25519 signature by the job's private key
         * ({@code --signing-key-file}); unsigned or wrongly signed snapshots are rejected (counted as
         * SIGNATURE_MISSING / SIGNATURE_INVALID) and the last good policy is kept. Off by default:
         * without it, signatures are not checked. Recommended in production.
         */
        public Builder verifyWith(PublicKey key) {
            this.verifyKey = Objects.requireNonNull(key, "key");
            return this;
        }

        /**
         * {@link #verifyWith} the public key in {@code file} (X.509 SubjectPublicKeyInfo, PEM or DER,
         * as {@code grade keys generate} or {@code openssl pkey -pubout} write it).
         *
         * @throws IllegalArgumentException naming the file when it is unreadable or not an Ed25519 public key
         */
        public Builder verifyWithKeyFile(Path file) {
            return verifyWith(PolicyKeys.readPublicKey(file));
        }

        /** Called on the client thread with each snapshot that becomes the served policy. */
        public Builder onAccepted(Consumer<PolicySnapshot> listener) {
            this.onAccepted = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting when a duration is not positive, the
         *     initial backoff exceeds the maximum, the fallback disagrees with the expectations, or a
         *     Kafka property of {@link #RESERVED_PROPERTIES} is set
         */
        public PolicyClient build() {
            KafkaClientProperties.refuse(overrides, RESERVED_PROPERTIES, "the PolicyClient");
            positive("pollTimeout", pollTimeout);
            positive("requestTimeout", requestTimeout);
            positive("metadataInterval", metadataInterval);
            positive("backoff initial", initialBackoff);
            positive("backoff max", maxBackoff);
            if (initialBackoff.compareTo(maxBackoff) > 0) {
                throw new IllegalArgumentException("backoff initial " + initialBackoff + " exceeds backoff max "
                        + maxBackoff);
            }
            return new PolicyClient(this);
        }

        private static void positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("PolicyClient " + name + " must be a positive duration, got " + d);
            }
        }
    }
}
