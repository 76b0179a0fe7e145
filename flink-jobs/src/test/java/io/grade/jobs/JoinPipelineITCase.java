package io.grade.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.kafka.DeadLetterSerializationSchema;
import io.grade.jobs.kafka.KafkaConnectors;
import io.grade.jobs.metrics.JoinMetrics;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.LabelledRequestCodec;
import io.grade.schemas.DeadLetter;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.flink.FlinkMiniClusters;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole data plane on a real broker and a MiniCluster (RocksDB, checkpoints, parallelism 2):
 * exact labelled requests despite shuffled, duplicated, late and malformed input, and exactly-once
 * output across a failure and restore.
 */
class JoinPipelineITCase {

    private static final int PARALLELISM = 2;
    private static final long T0 = 1_700_000_000_000L;
    private static final long WINDOW_MS = 4_000;
    private static final long REQUEST_SPACING_MS = 1_500;
    private static final int ITEMS = 5;

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();
    private static final Path CHECKPOINTS = tempDir();

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(() -> {
        Configuration conf = FlinkMiniClusters.rocksDbCheckpointing(CHECKPOINTS, null);
        REPORTER.addToConfiguration(conf);
        return new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(conf)
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(PARALLELISM)
                .build();
    });

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("grade-join-itcase-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @Timeout(120)
    void shouldLabelEveryRequestExactlyOnceAndDeadLetterEveryMalformedRecord() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        // max-record-bytes 512 KiB: the ~1 MB records (which a topic with default limits accepts) are
        // RECORD_TOO_LARGE dead letters, bounded to max-dead-letter-bytes at the sink.
        GradeConfig config = config(broker, "full", Map.of("max-record-bytes", String.valueOf(512 * 1024)));
        Scenario s = new Scenario(40, 8, 42L).withFarFuture(50).withHugeRecords().produce(broker, config);

        StreamExecutionEnvironment env = environment(config);
        JoinPipeline.attachKafkaSinks(JoinPipeline.build(env, config), config);
        JobExecutionResult result = env.execute("join-itcase-full");

        assertLabelledRequests(broker, config, s);
        assertDeadLetters(broker, config, s);
        assertBoundedDeadLetters(broker, config, s);
        JobID job = result.getJobID();
        assertThat(gaugeSum(job, JoinMetrics.EVENT_TIME_OUT_OF_RANGE_SHARE)).as("share of far-future events").isPositive();
        assertThat(counter(job, JoinMetrics.JOIN_GROUP, JoinMetrics.LATE_FEEDBACK)).isEqualTo(s.lateIds.size());
        assertThat(counter(job, JoinMetrics.JOIN_GROUP, JoinMetrics.LABELLED_REQUESTS)).isEqualTo(s.requests.size());
        assertThat(counter(job, JoinMetrics.JOIN_GROUP, JoinMetrics.DUPLICATE_FEEDBACK)).isEqualTo(s.duplicateFeedback);
        assertThat(counter(job, JoinMetrics.JOIN_GROUP, JoinMetrics.DUPLICATE_IMPRESSIONS)).isEqualTo(s.duplicateImpressions);
        assertThat(counter(job, JoinMetrics.JOIN_GROUP, JoinMetrics.ORPHANED_FEEDBACK)).isZero();
        assertThat(counter(job, JoinMetrics.JOIN_GROUP, JoinMetrics.IMPRESSIONS))
                .isEqualTo(s.requests.size() + s.duplicateImpressions);
        Map<DeadLetterReason, Long> expectedByReason = s.malformed.values().stream()
                .collect(Collectors.groupingBy(r -> r, Collectors.counting()));
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            if (reason.rejectedAtSource()) {
                assertThat(counter(job, JoinMetrics.DEAD_LETTER_GROUP, reason.metricName())).as(reason.name())
                        .isEqualTo(expectedByReason.getOrDefault(reason, 0L));
            }
        }
    }

    @Test
    @Timeout(120)
    void shouldEmitEveryLabelledRequestOnceAcrossAFailureAndRestore() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        GradeConfig config = config(broker, "restart");
        // Year-9999 events among live traffic: the chunks after them would close with zero feedback if
        // they moved the watermark (they are dead letters instead).
        Scenario s = new Scenario(30, 8, 7L).withFarFuture(50).generate();

        StreamExecutionEnvironment env = environment(config);
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        env.configure(restart);

        // The events are produced while the job runs, so checkpoints complete mid-stream; the sources
        // stop at the offsets the scenario will have written (injected sources, as build() allows).
        FailOnceAfterCheckpoint.reset();
        Map<TopicPartition, Long> end = new HashMap<>(s.endOffsets(config.impressionsTopic(), true));
        end.putAll(s.endOffsets(config.feedbackTopic(), false));
        JoinOutputs outputs = JoinPipeline.build(env, config,
                KafkaConnectors.source(config, OffsetsInitializer.offsets(end)));
        outputs.deadLetters().sinkTo(KafkaConnectors.deadLetterSink(config)).name("dead-letter-sink").uid("dlq-sink");
        outputs.labelledRequests()
                .map(new FailOnceAfterCheckpoint(), Types.POJO(LabelledRequest.class)).name("fail-once").uid("fail-once")
                .sinkTo(KafkaConnectors.labelledRequestSink(config)).name("labelled-sink").uid("labelled-sink");
        JobClient job = env.executeAsync("join-itcase-restart");
        s.sendInChunks(broker, config, 20, 300);
        job.getJobExecutionResult().get(90, TimeUnit.SECONDS);

        assertThat(FailOnceAfterCheckpoint.FAILED.get()).as("the failure was injected").isTrue();
        assertLabelledRequests(broker, config, s);
        assertDeadLetters(broker, config, s);
    }

    // ---- job set-up ---------------------------------------------------------------------------------

    private static GradeConfig config(EmbeddedKafkaBroker broker, String name) {
        return config(broker, name, Map.of());
    }

    private static GradeConfig config(EmbeddedKafkaBroker broker, String name, Map<String, String> extra) {
        String suffix = EmbeddedKafkaBroker.uniqueTopic(name);
        Map<String, String> o = new HashMap<>();
        o.put("bootstrap-servers", broker.bootstrapServers());
        o.put("group-id", "grp-" + suffix);
        o.put("impressions-topic", "imp-" + suffix);
        o.put("feedback-topic", "fb-" + suffix);
        o.put("dead-letter-topic", "dlq-" + suffix);
        o.put("labelled-requests-topic", "lab-" + suffix);
        o.put("transactional-id-prefix", "tx-" + suffix);
        o.put("transaction-timeout", "60 s");
        o.put("starting-offsets", "EARLIEST");
        o.put("bounded", "true");
        o.put("feature-dim", "3");
        o.put("max-items", "10");
        o.put("attribution-window", WINDOW_MS + " ms");
        o.put("orphan-wait", "3 s");
        o.put("session-gap", "20 s");
        o.put("dedup-retention", "10 min");
        o.put("out-of-orderness", "1 s");
        o.put("idleness", "0 s");
        o.put("checkpoint-interval", "300 ms");
        o.putAll(extra);
        GradeConfig config = GradeConfig.fromMap(o);
        // Event times lie in the past: without infinite retention the broker's first retention
        // check (30 s after start) deletes records by their timestamps while the job reads them.
        Map<String, String> keep = Map.of("retention.ms", "-1");
        broker.createTopic(config.impressionsTopic(), PARALLELISM, keep);
        broker.createTopic(config.feedbackTopic(), PARALLELISM, keep);
        broker.createTopic(config.deadLetterTopic(), 1, keep);
        broker.createTopic(config.labelledRequestsTopic(), PARALLELISM, keep);
        return config;
    }

    private static StreamExecutionEnvironment environment(GradeConfig config) {
        StreamExecutionEnvironment env = GradeJob.environment(config);
        env.setParallelism(PARALLELISM);
        return env;
    }

    // ---- assertions --------------------------------------------------------------------------------

    private static void assertLabelledRequests(EmbeddedKafkaBroker broker, GradeConfig config, Scenario s) {
        List<LabelledRequest> out = readCommitted(broker, config.labelledRequestsTopic()).stream()
                .map(r -> LabelledRequestCodec.decode(r.value())).collect(Collectors.toList());
        assertThat(out).as("one labelled request per impression").hasSize(s.requests.size());
        Map<String, LabelledRequest> byId = new HashMap<>();
        for (LabelledRequest r : out) {
            assertThat(byId.put(r.requestId, r)).as("emitted twice: " + r.requestId).isNull();
        }
        assertThat(byId.keySet()).isEqualTo(s.requests.keySet());
        Map<String, List<Integer>> positions = new HashMap<>();
        for (Map.Entry<String, double[]> e : s.requests.entrySet()) {
            LabelledRequest r = byId.get(e.getKey());
            assertThat(r.labels).as("labels of " + e.getKey()).containsExactly(e.getValue());
            assertThat(r.items).isEqualTo(ITEMS);
            assertThat(r.closeTime - r.eventTime).isEqualTo(WINDOW_MS);
            positions.computeIfAbsent(r.userId, u -> new ArrayList<>()).add(r.sessionPosition);
        }
        // All of a user's requests are one session: positions are 0..n-1 (order may differ within the
        // out-of-orderness bound).
        for (Map.Entry<String, List<Integer>> e : positions.entrySet()) {
            List<Integer> p = new ArrayList<>(e.getValue());
            Collections.sort(p);
            for (int i = 0; i < p.size(); i++) {
                assertThat(p.get(i)).as("positions of " + e.getKey()).isEqualTo(i);
            }
        }
    }

    private static void assertDeadLetters(EmbeddedKafkaBroker broker, GradeConfig config, Scenario s) {
        EventCodec<DeadLetter> codec = EventCodec.deadLetters();
        Map<String, DeadLetterReason> got = new HashMap<>();
        Set<String> late = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> rec : readCommitted(broker, config.deadLetterTopic())) {
            DeadLetter d = codec.decode(rec.value()).value();
            DeadLetterReason reason = DeadLetterReason.valueOf(d.getReasonCode());
            String coordinates = d.getSourceTopic() + "/" + d.getPartition() + "/" + d.getOffset();
            if (reason == DeadLetterReason.LATE_FEEDBACK) {
                assertThat(late.add(coordinates)).as("late event written twice: " + coordinates).isTrue();
            } else {
                assertThat(got.put(coordinates, reason)).as("dead letter written twice: " + coordinates).isNull();
                assertThat(d.getPayload()).isNotNull();
                assertThat(d.getMessage()).isNotBlank();
            }
        }
        assertThat(got).isEqualTo(s.malformed);
        assertThat(late).isEqualTo(s.lateCoordinates);
    }

    /**
     * The ~1 MB rejected records, at the broker's and producer's default limits: each in the
     * dead-letter topic, within max-dead-letter-bytes, truncated, with its original sizes and the
     * SHA-256 of the whole original record; a small key is the Kafka key (not repeated in the
     * body), an oversized one is replaced by its hash and kept in the body.
     */
    private static void assertBoundedDeadLetters(EmbeddedKafkaBroker broker, GradeConfig config, Scenario s) {
        EventCodec<DeadLetter> codec = EventCodec.deadLetters();
        Map<String, ConsumerRecord<byte[], byte[]>> byCoordinates = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : readCommitted(broker, config.deadLetterTopic())) {
            DeadLetter d = codec.decode(rec.value()).value();
            byCoordinates.put(d.getSourceTopic() + "/" + d.getPartition() + "/" + d.getOffset(), rec);
        }
        assertThat(s.huge).hasSize(2);
        for (Map.Entry<String, Scenario.Event> e : s.huge.entrySet()) {
            ConsumerRecord<byte[], byte[]> rec = byCoordinates.get(e.getKey());
            assertThat(rec).as("dead letter of " + e.getKey()).isNotNull();
            DeadLetter d = codec.decode(rec.value()).value();
            byte[] key = e.getValue().key();
            byte[] value = e.getValue().value;
            assertThat(d.getReasonCode()).isEqualTo(DeadLetterReason.RECORD_TOO_LARGE.name());
            assertThat(rec.key().length + rec.value().length).isLessThanOrEqualTo(config.maxDeadLetterBytes());
            assertThat(d.getTruncated()).isTrue();
            assertThat(d.getOriginalKeyBytes()).isEqualTo(key.length);
            assertThat(d.getOriginalPayloadBytes()).isEqualTo(value.length);
            assertThat(toArray(d.getRecordSha256())).isEqualTo(DeadLetterSerializationSchema.recordSha256(key, value));
            byte[] payload = toArray(d.getPayload());
            assertThat(value).startsWith(payload);
            if (key.length > config.maxDeadLetterKeyBytes()) {
                assertThat(d.getKeyHashed()).isTrue();
                assertThat(rec.key()).isEqualTo(DeadLetterSerializationSchema.sha256(key));
                assertThat(key).startsWith(toArray(d.getKey()));
            } else {
                assertThat(d.getKeyHashed()).isFalse();
                assertThat(rec.key()).isEqualTo(key);
                assertThat(d.getKey()).as("the key is not stored twice").isNull();
                assertThat(payload).hasSizeGreaterThan(900_000);
            }
        }
    }

    private static byte[] toArray(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static double gaugeSum(JobID job, String name) {
        double sum = 0;
        int found = 0;
        for (Map.Entry<String, Metric> e : REPORTER.findMetrics(job, name).entrySet()) {
            if (e.getValue() instanceof org.apache.flink.metrics.Gauge<?> g && g.getValue() instanceof Number n) {
                sum += n.doubleValue();
                found++;
            }
        }
        assertThat(found).as("gauge " + name + " registered").isPositive();
        return sum;
    }

    private static long counter(JobID job, String group, String name) {
        long sum = 0;
        int found = 0;
        for (Map.Entry<String, Metric> e : REPORTER.findMetrics(job, name).entrySet()) {
            if (e.getKey().endsWith(JoinMetrics.GROUP + "." + group + "." + name) && e.getValue() instanceof Counter c) {
                sum += c.getCount();
                found++;
            }
        }
        assertThat(found).as("counter " + group + "." + name + " registered").isPositive();
        return sum;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(EmbeddedKafkaBroker broker, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerProperties("reader-" + topic))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("reading " + topic + " in time").isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    // ---- the injected failure ---------------------------------------------------------------------

    /** Passes records on; once, at the first record after a completed checkpoint, it throws to force a restore. */
    static final class FailOnceAfterCheckpoint implements MapFunction<LabelledRequest, LabelledRequest>, CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicInteger CHECKPOINTS_DONE = new AtomicInteger();

        static void reset() {
            FAILED.set(false);
            CHECKPOINTS_DONE.set(0);
        }

        @Override
        public LabelledRequest map(LabelledRequest r) {
            if (CHECKPOINTS_DONE.get() > 0 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure at labelled request " + r.requestId);
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS_DONE.incrementAndGet();
        }
    }

    // ---- test data -----------------------------------------------------------------------------------

    /** Users with requests 1.5 s apart; clicks, orders and amounts, late events, duplicates and malformed records. */
    static final class Scenario {
        final int users;
        final int requestsPerUser;
        final Random random;
        /** requestId -> expected labels (items x 4). */
        final Map<String, double[]> requests = new HashMap<>();
        /** topic/partition/offset -> reason, for every malformed record. */
        final Map<String, DeadLetterReason> malformed = new HashMap<>();
        final Set<String> lateIds = new HashSet<>();
        final Set<String> lateCoordinates = new TreeSet<>();
        long duplicateFeedback;
        long duplicateImpressions;
        /** topic/partition/offset -> the ~1 MB records (withHugeRecords). */
        final Map<String, Event> huge = new HashMap<>();
        private int farFuture;
        private boolean hugeRecords;

        private final List<Event> impressions = new ArrayList<>();
        private final List<Event> feedback = new ArrayList<>();

        Scenario(int users, int requestsPerUser, long seed) {
            this.users = users;
            this.requestsPerUser = requestsPerUser;
            this.random = new Random(seed);
        }

        record Event(long time, String user, byte[] rawKey, byte[] value, DeadLetterReason malformed,
                             String lateId) {
            Event(long time, String user, byte[] value, DeadLetterReason malformed, String lateId) {
                this(time, user, null, value, malformed, lateId);
            }

            byte[] key() {
                return rawKey != null ? rawKey : user.getBytes(StandardCharsets.UTF_8);
            }
        }

        /**
         * Adds {@code n} otherwise valid events dated 9999-12-31, half impressions and half feedback
         * of real requests, early in the send order: accepted, they would move the watermark to year
         * 9999 and close every later request with no feedback.
         */
        Scenario withFarFuture(int n) {
            farFuture = n;
            return this;
        }

        /** Adds a ~1 MB value and a 500 kB key with a 500 kB value, which topics with default limits accept. */
        Scenario withHugeRecords() {
            hugeRecords = true;
            return this;
        }

        /** Generates and writes everything before the job starts. */
        Scenario produce(EmbeddedKafkaBroker broker, GradeConfig config) throws Exception {
            generate();
            send(broker, config.impressionsTopic(), impressions);
            send(broker, config.feedbackTopic(), feedback);
            return this;
        }

        Scenario generate() {
            EventCodec<io.grade.schemas.Impression> impCodec = EventCodec.impressions();
            EventCodec<io.grade.schemas.Feedback> fbCodec = EventCodec.feedback();
            String[] types = {"click", "order", "profit", "gmv"};
            for (int u = 0; u < users; u++) {
                String user = "user-" + u;
                for (int i = 0; i < requestsPerUser; i++) {
                    String request = user + "-req-" + i;
                    long t = T0 + u * 37L + i * REQUEST_SPACING_MS;
                    byte[] imp = impCodec.encode(Fixtures.avroImpression(user, request, t, ITEMS).build());
                    impressions.add(new Event(t, user, imp, null, null));
                    if (random.nextDouble() < 0.05) {
                        impressions.add(new Event(t + 1, user, imp, null, null));
                        duplicateImpressions++;
                    }
                    double[] labels = new double[ITEMS * 4];
                    int n = 0;
                    for (int j = 0; j < ITEMS; j++) {
                        for (int k = 0; k < 4; k++) {
                            double p = k == 0 ? 0.3 : 0.1;
                            if (random.nextDouble() >= p) {
                                continue;
                            }
                            double value = k < 2 ? 1.0 : 1 + random.nextInt(50);
                            long ft = t + random.nextInt((int) WINDOW_MS);
                            String id = request + "-fb-" + n++;
                            byte[] fb = fbCodec.encode(Fixtures.avroFeedback(id, user, request, "i" + j, ft, types[k], value).build());
                            feedback.add(new Event(ft, user, fb, null, null));
                            labels[j * 4 + k] = k < 2 ? Math.max(labels[j * 4 + k], value) : labels[j * 4 + k] + value;
                            if (random.nextDouble() < 0.1) {
                                feedback.add(new Event(ft + random.nextInt(500), user, fb, null, null));
                                duplicateFeedback++;
                            }
                        }
                    }
                    if (random.nextDouble() < 0.15) {
                        long ft = t + WINDOW_MS + 1 + random.nextInt(2_000);
                        String id = request + "-late";
                        byte[] fb = fbCodec.encode(Fixtures.avroFeedback(id, user, request, "i0", ft, "click", 1).build());
                        feedback.add(new Event(ft, user, fb, null, id));
                        lateIds.add(id);
                    }
                    requests.put(request, labels);
                }
                addMalformed(u, user, impCodec, fbCodec);
            }
            shuffleWithinBounds(impressions);
            shuffleWithinBounds(feedback);
            long year9999 = Instant.parse("9999-12-31T00:00:00Z").toEpochMilli();
            for (int i = 0; i < farFuture; i++) {
                String user = "user-" + (i % users);
                String request = user + "-req-0";
                byte[] value = i % 2 == 0
                        ? impCodec.encode(Fixtures.avroImpression(user, user + "-future-" + i, year9999, ITEMS).build())
                        : fbCodec.encode(Fixtures.avroFeedback(request + "-future-" + i, user, request, "i0", year9999,
                                "click", 1).build());
                List<Event> list = i % 2 == 0 ? impressions : feedback;
                // Within the first fifth of the stream: most labelled requests come after them. The Kafka
                // timestamp is an ordinary one (brokers refuse timestamps far ahead); the event time is 9999.
                list.add(random.nextInt(list.size() / 5), new Event(T0, user, value,
                        DeadLetterReason.EVENT_TIME_OUT_OF_RANGE, null));
            }
            if (hugeRecords) {
                byte[] mb = new byte[1_000_000];
                random.nextBytes(mb);
                impressions.add(impressions.size() / 2, new Event(T0, "user-0", mb, DeadLetterReason.RECORD_TOO_LARGE, null));
                byte[] bigKey = new byte[500_000];
                byte[] bigValue = new byte[500_000];
                random.nextBytes(bigKey);
                random.nextBytes(bigValue);
                feedback.add(feedback.size() / 2, new Event(T0, "user-1", bigKey, bigValue,
                        DeadLetterReason.RECORD_TOO_LARGE, null));
            }
            return this;
        }

        /** Records per partition of a topic once everything is written (fresh topics start at 0). */
        Map<TopicPartition, Long> endOffsets(String topic, boolean impressionTopic) {
            Map<TopicPartition, Long> end = new HashMap<>();
            for (int p = 0; p < PARALLELISM; p++) {
                end.put(new TopicPartition(topic, p), 0L);
            }
            for (Event e : impressionTopic ? impressions : feedback) {
                end.merge(new TopicPartition(topic, partitionOf(e.user)), 1L, Long::sum);
            }
            return end;
        }

        /** Writes both topics in event-time slices with a pause between them, as live traffic would arrive. */
        void sendInChunks(EmbeddedKafkaBroker broker, GradeConfig config, int chunks, long pauseMs) throws Exception {
            long first = Math.min(impressions.get(0).time, feedback.get(0).time);
            long last = Math.max(impressions.get(impressions.size() - 1).time, feedback.get(feedback.size() - 1).time);
            long step = (last - first) / chunks + 1;
            int i = 0;
            int f = 0;
            for (long until = first + step; i < impressions.size() || f < feedback.size(); until += step) {
                int i0 = i;
                int f0 = f;
                while (i < impressions.size() && impressions.get(i).time < until) {
                    i++;
                }
                while (f < feedback.size() && feedback.get(f).time < until) {
                    f++;
                }
                send(broker, config.impressionsTopic(), impressions.subList(i0, i));
                send(broker, config.feedbackTopic(), feedback.subList(f0, f));
                Thread.sleep(pauseMs);
            }
        }

        /** One malformed record per user, cycling through the reasons the sources detect. */
        private void addMalformed(int u, String user, EventCodec<io.grade.schemas.Impression> impCodec,
                                  EventCodec<io.grade.schemas.Feedback> fbCodec) {
            long t = T0 + u * 37L + 700;
            String request = user + "-bad";
            Impression.Builder imp = Fixtures.avroImpression(user, request, t, ITEMS);
            switch (u % 10) {
                case 0 -> impressions.add(new Event(t, user, "garbage!".getBytes(StandardCharsets.UTF_8),
                        DeadLetterReason.GARBAGE_BYTES, null));
                case 1 -> impressions.add(new Event(t, user,
                        fbCodec.encode(Fixtures.avroFeedback("x", user, request, "i0", t, "click", 1).build()),
                        DeadLetterReason.UNKNOWN_SCHEMA, null));
                case 2 -> impressions.add(new Event(t, user, impCodec.encode(imp.setFeatures(List.of(1f)).build()),
                        DeadLetterReason.FEATURE_DIM_MISMATCH, null));
                case 3 -> impressions.add(new Event(t, user, impCodec.encode(imp.setItems(List.of(Item.newBuilder()
                        .setItemId("a").setPosition(0).setScores(List.of(1f, 1f)).build())).build()),
                        DeadLetterReason.TASK_COUNT_MISMATCH, null));
                case 4 -> impressions.add(new Event(t, user, impCodec.encode(imp.setItems(List.of()).build()),
                        DeadLetterReason.EMPTY_ITEMS, null));
                case 5 -> {
                    List<Item> items = new ArrayList<>(imp.getItems());
                    items.set(1, Item.newBuilder(items.get(0)).build());
                    impressions.add(new Event(t, user, impCodec.encode(imp.setItems(items).build()),
                            DeadLetterReason.DUPLICATE_ITEM_ID, null));
                }
                case 6 -> impressions.add(new Event(t, user, impCodec.encode(imp.setFeatures(List.of(1f, Float.NaN, 1f)).build()),
                        DeadLetterReason.NON_FINITE, null));
                case 7 -> feedback.add(new Event(t, user, fbCodec.encode(Fixtures.avroFeedback("bad-" + u, user, request, "i0",
                        t, "click", 1).setEventTime(Instant.ofEpochMilli(-3)).build()), DeadLetterReason.NEGATIVE_TIME, null));
                case 8 -> feedback.add(new Event(t, user, fbCodec.encode(Fixtures.avroFeedback("bad-" + u, user, request, "i0",
                        t, "share", 1).build()), DeadLetterReason.UNKNOWN_FEEDBACK_TYPE, null));
                default -> {
                    List<Item> items = new ArrayList<>();
                    for (int j = 0; j < 11; j++) {
                        items.add(Item.newBuilder().setItemId("m" + j).setPosition(j).setScores(List.of(1f, 1f, 1f, 1f)).build());
                    }
                    impressions.add(new Event(t, user, impCodec.encode(imp.setItems(items).build()),
                            DeadLetterReason.TOO_MANY_ITEMS, null));
                }
            }
        }

        private static int partitionOf(String user) {
            return Math.floorMod(user.hashCode(), PARALLELISM);
        }

        /** Event-time order, then neighbours swapped when less than half the out-of-orderness apart. */
        private void shuffleWithinBounds(List<Event> events) {
            events.sort((a, b) -> Long.compare(a.time, b.time));
            for (int i = 1; i < events.size(); i++) {
                Event a = events.get(i - 1);
                Event b = events.get(i);
                if (b.time - a.time < 500 && random.nextBoolean()) {
                    events.set(i - 1, b);
                    events.set(i, a);
                }
            }
        }

        private void send(EmbeddedKafkaBroker broker, String topic, List<Event> events) throws Exception {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
                for (Event e : events) {
                    sent.add(producer.send(new ProducerRecord<>(topic, partitionOf(e.user), e.time, e.key(), e.value)));
                }
                producer.flush();
            }
            for (int i = 0; i < events.size(); i++) {
                RecordMetadata m = sent.get(i).get();
                String coordinates = m.topic() + "/" + m.partition() + "/" + m.offset();
                Event e = events.get(i);
                if (e.malformed != null) {
                    malformed.put(coordinates, e.malformed);
                }
                if (e.value.length >= 500_000) {
                    huge.put(coordinates, e);
                }
                if (e.lateId != null) {
                    lateCoordinates.add(coordinates);
                }
            }
        }
    }
}
