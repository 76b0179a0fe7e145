package io.grade.cli.bench;

import io.grade.jobs.GradeJob;
import io.grade.jobs.JoinOutputs;
import io.grade.jobs.JoinPipeline;
import io.grade.jobs.events.EventDeserializationSchema;
import io.grade.jobs.events.InputRecord;
import io.grade.jobs.kafka.KafkaConnectors;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.LabelledRequestCodec;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.EventValidator;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.session.OpenRequest;
import io.grade.jobs.session.OpenRequestSerializer;
import io.grade.jobs.session.RequestLabels;
import io.grade.jobs.session.RequestSlot;
import io.grade.jobs.session.RequestSlotSerializer;
import io.grade.jobs.reward.ServedReward;
import io.grade.jobs.session.SessionState;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.cluster.StandaloneFlinkCluster;
import io.grade.testkit.flink.FlinkMiniClusters;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throughput of the session join against a bare Kafka consume + decode of the same events, in one
 * run on one in-process broker: N realistic impressions (50 candidates, 4 tasks, 32 features) and
 * their feedback. The join runs as in production (RocksDB, EXACTLY_ONCE checkpoints every 5 s,
 * exactly-once Kafka sinks) on a 2-slot MiniCluster, bounded, until every labelled request is
 * committed. Target: the join reaches at least 30 % of the bare decode rate.
 */
public final class JoinBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(JoinBenchmark.class);

    static final int CANDIDATES = 50;
    static final int TASKS = 4;
    static final int FEATURES = 32;
    static final int PARALLELISM = 2;
    static final int REQUESTS_PER_USER = 20;
    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00Z
    /** Users concurrently active in the steady shape's plateau: 2,500 requests per event-time minute. */
    static final int ACTIVE_USERS = 2_500;
    /** Event time one user is active: 20 requests a minute apart. */
    static final long USER_SPAN_MS = REQUESTS_PER_USER * 60_000L;
    /** Upper bound of the uniform jitter added to every request's event time. */
    static final int JITTER_MS = 5_000;
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
    /** Warm-up repetitions end when the JIT compiled for less than this share of one's wall time. */
    static final double JIT_QUIET_SHARE = 0.25;
    public static final int DEFAULT_MAX_WARMUPS = 8;
    /** Measured decode passes and join runs (alternating); the medians are reported. */
    public static final int DEFAULT_RUNS = 3;
    /** taskmanager.memory.process.size of docker-compose.yml (DockerComposeTest keeps them equal). */
    public static final String TASKMANAGER_PROCESS_SIZE = "4096m";
    /**
     * Config of every topic the benchmark creates. Event times lie in the past: without infinite
     * retention the broker's first retention check (30 s after start) would delete records while the
     * job still reads them.
     */
    private static final Map<String, String> KEEP = Map.of("retention.ms", "-1");
    /** The decode pass is short (about a second at N = 50,000): at least this many warm-up passes. */
    static final int MIN_DECODE_WARMUPS = 3;

    private JoinBenchmark() {}

    /**
     * How the users' requests are spread over event time. Every user makes 20 requests a minute
     * apart (plus up to 5 s jitter); the shapes differ only in when each user starts.
     */
    public enum WorkloadShape {
        /**
         * Users arrive at a constant rate, user u at {@code T0 + u * 20 min / ACTIVE_USERS}: after a
         * 20-minute ramp, {@link #ACTIVE_USERS} users are active at any time, so the event-time
         * request rate (and the join's open state) does not depend on N; a larger N runs longer.
         */
        STEADY,
        /**
         * Every user is active from T0, users interleaved within each minute: all N requests lie in
         * 20 minutes of event time, so the request rate grows linearly with N (the original shape).
         */
        BURST;

        /** Event-time offset of user u's first request from T0, before jitter. */
        long userStartMs(int u, int users) {
            return this == BURST ? (long) u * 60_000L / users : (long) u * USER_SPAN_MS / ACTIVE_USERS;
        }

        /** The name as the command line spells it. */
        public String cliName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Parses {@code steady} or {@code burst} (any case). */
        public static WorkloadShape parse(String s) {
            for (WorkloadShape shape : values()) {
                if (shape.cliName().equalsIgnoreCase(s.trim())) {
                    return shape;
                }
            }
            throw new IllegalArgumentException("expected one of steady, burst but was '" + s + "'");
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1L;
        WorkloadShape shape = args.length > 2 ? WorkloadShape.parse(args[2]) : WorkloadShape.STEADY;
        run(n, seed, shape, DEFAULT_MAX_WARMUPS, DEFAULT_RUNS).forEach((k, v) -> System.out.println(k + " = " + v));
    }

    /** Runs the benchmark on the steady workload. */
    public static Map<String, Object> run(int impressions, long seed) throws Exception {
        return run(impressions, seed, WorkloadShape.STEADY, DEFAULT_MAX_WARMUPS, DEFAULT_RUNS);
    }

    /**
     * Runs the benchmark; keys are documented in docs/design-join.md. Both the decode and the join
     * are warmed up by repeating them on the same events until a repetition spent less than
     * {@link #JIT_QUIET_SHARE} of its wall time compiling (HotSpot's total compilation time), at
     * most {@code maxWarmups} times each (the decode at least {@link #MIN_DECODE_WARMUPS} times):
     * the target compares steady states, and a 2-core box otherwise spends a quarter of a short
     * run's CPU in the JIT.
     */
    public static Map<String, Object> run(int impressions, long seed, WorkloadShape shape, int maxWarmups, int runs)
            throws Exception {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1, got " + runs);
        }
        if (impressions < 1) {
            throw new IllegalArgumentException("impressions must be >= 1, got " + impressions);
        }
        if (maxWarmups < 1) {
            throw new IllegalArgumentException("maxWarmups must be >= 1, got " + maxWarmups);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workload", shape.cliName());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(); BenchCluster cluster = new BenchCluster()) {
            GradeConfig config = config(broker);
            broker.createTopic(config.impressionsTopic(), PARALLELISM, KEEP);
            broker.createTopic(config.feedbackTopic(), PARALLELISM, KEEP);

            Workload w = Workload.generate(impressions, seed, shape);
            produce(broker, config.impressionsTopic(), w.impressions);
            produce(broker, config.feedbackTopic(), w.feedback);
            long events = w.impressions.size() + (long) w.feedback.size();
            out.put("impressions", w.impressions.size());
            out.put("feedback_events", w.feedback.size());

            // (a) bare consume + decode: warm-up passes until the JIT is quiet (page cache, JIT of the
            // consumer and Avro paths), then the measured pass.
            int decodeWarmups = 0;
            boolean quiet = false;
            while ((!quiet || decodeWarmups < MIN_DECODE_WARMUPS) && decodeWarmups < Math.max(maxWarmups, MIN_DECODE_WARMUPS)) {
                long jit0 = jitMillis();
                long t0 = System.nanoTime();
                decodeAll(broker, config, events);
                decodeWarmups++;
                quiet = jitQuiet(jitMillis() - jit0, System.nanoTime() - t0);
            }
            // (b) the join job: like the decode, warm-up runs until the JIT is quiet (JIT of the
            // operators, serializers, RocksDB's JNI paths, the Kafka producer and the broker's
            // transactional write path; same events, their own output topics, group and transactional
            // ids, all submitted to the one standing cluster).
            int joinWarmups = 0;
            JoinRun warm = null;
            quiet = false;
            while (!quiet && joinWarmups < maxWarmups) {
                long jit0 = jitMillis();
                long t0 = System.nanoTime();
                warm = runJoin(cluster, broker, config, impressions, "bench-warmup").run;
                joinWarmups++;
                quiet = jitQuiet(jitMillis() - jit0, System.nanoTime() - t0);
            }

            // Measured: a decode pass and a join run, alternating, `runs` times, so that a slow
            // phase of the box hits both sides; the medians are reported.
            List<Timing> decodes = new ArrayList<>();
            List<JoinRun> joins = new ArrayList<>();
            List<Double> decodeRates = new ArrayList<>();
            List<Double> joinRates = new ArrayList<>();
            long decodeJitMs = 0;
            long joinJitMs = 0;
            MeasuredJoin last = null;
            for (int i = 0; i < runs; i++) {
                long jit0 = jitMillis();
                Timing d = decodeAll(broker, config, events);
                decodeJitMs += jitMillis() - jit0;
                jit0 = jitMillis();
                MeasuredJoin j = runJoin(cluster, broker, config, impressions, "bench-run");
                joinJitMs += jitMillis() - jit0;
                if (last != null && !last.digest.equals(j.digest)) {
                    throw new IllegalStateException("the measured join runs labelled differently: "
                            + last.digest + " then " + j.digest);
                }
                last = j;
                decodes.add(d);
                joins.add(j.run);
                decodeRates.add(events / d.seconds);
                joinRates.add(events / j.run.seconds);
            }
            List<Double> pairRatios = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                pairRatios.add(joinRates.get(i) / decodeRates.get(i));
            }
            double decodeRate = median(decodeRates);
            double joinRate = median(joinRates);
            Timing decode = decodes.get(medianIndex(decodeRates));
            JoinRun join = joins.get(medianIndex(joinRates));

            out.put("decode_events_per_s", round(decodeRate));
            out.put("decode_startup_ms", Math.round(decode.startupSeconds * 1000));
            out.put("join_events_per_s", round(joinRate));
            out.put("join_to_decode_ratio", Math.round(joinRate / decodeRate * 1000) / 1000.0);
            out.put("measured_runs", runs);
            out.put("join_to_decode_ratio_min", Math.round(java.util.Collections.min(pairRatios) * 1000) / 1000.0);
            out.put("join_to_decode_ratio_max", Math.round(java.util.Collections.max(pairRatios) * 1000) / 1000.0);
            // CPU-normalised view: this box is shared, so wall-clock rates swing with other load.
            double decodeCpuRate = events / decode.cpuSeconds;
            double joinCpuRate = events / join.cpuSeconds * PARALLELISM;
            out.put("decode_events_per_cpu_s", round(decodeCpuRate));
            out.put("join_events_per_cpu_s_x2", round(joinCpuRate));
            out.put("join_to_decode_cpu_ratio", Math.round(joinCpuRate / decodeCpuRate * 1000) / 1000.0);
            out.put("join_task_cpu_s", Math.round(join.cpuSeconds * 100) / 100.0);
            join.cpuByGroup.forEach((group, cpu) -> out.put("join_task_cpu_s_" + group, Math.round(cpu * 100) / 100.0));
            out.put("join_processing_s", Math.round(join.seconds * 100) / 100.0);
            out.put("join_warmup_processing_s", warm == null ? 0.0 : Math.round(warm.seconds * 100) / 100.0);
            out.put("taskmanager_managed_memory_mb", managedMemory().getMebiBytes());
            out.put("decode_warmup_passes", decodeWarmups);
            out.put("join_warmup_runs", joinWarmups);
            out.put("jit_compile_ms_during_decode", decodeJitMs / runs);
            out.put("jit_compile_ms_during_join", joinJitMs / runs);
            out.put("join_wall_s", Math.round(join.wallSeconds * 100) / 100.0);
            out.put("join_wall_events_per_s", round(events / join.wallSeconds));
            out.put("labelled_requests", last.labelled);
            out.put("labelled_digest", last.digest);
            out.put("dead_letters", last.deadLetters);
            out.put("checkpoints", join.checkpointDurations.size());
            out.put("checkpoint_ms_p50", percentile(join.checkpointDurations, 0.5));
            out.put("checkpoint_ms_max", percentile(join.checkpointDurations, 1.0));
            out.put("checkpoint_join_state_bytes_max", join.maxJoinStateBytes);
            out.put("state_bytes_per_open_request", stateBytesPerOpenRequest(config, w));
        }
        return out;
    }

    private static GradeConfig config(EmbeddedKafkaBroker broker) {
        String suffix = EmbeddedKafkaBroker.uniqueTopic("bench");
        return config(broker, suffix, "imp-" + suffix, "fb-" + suffix);
    }

    private static GradeConfig config(EmbeddedKafkaBroker broker, String suffix, String impressionsTopic,
                                      String feedbackTopic) {
        Map<String, String> o = new HashMap<>();
        o.put("bootstrap-servers", broker.bootstrapServers());
        o.put("group-id", "join-" + suffix);
        o.put("impressions-topic", impressionsTopic);
        o.put("feedback-topic", feedbackTopic);
        o.put("dead-letter-topic", "dlq-" + suffix);
        o.put("labelled-requests-topic", "lab-" + suffix);
        o.put("transactional-id-prefix", "tx-" + suffix);
        o.put("transaction-timeout", "2 min");
        o.put("starting-offsets", "EARLIEST");
        o.put("bounded", "true");
        o.put("checkpoint-interval", CHECKPOINT_INTERVAL.toMillis() + " ms");
        return GradeConfig.fromMap(o);
    }

    // ---- workload ------------------------------------------------------------------------------

    /** Encoded events in event-time order per topic, keyed by user. */
    static final class Workload {
        final List<ProducerRecord<byte[], byte[]>> impressions = new ArrayList<>();
        final List<ProducerRecord<byte[], byte[]>> feedback = new ArrayList<>();
        final List<Impression> sample = new ArrayList<>();

        /** Users of an N-request workload: N / 20 (at least one); request r is user r % users' request r / users. */
        static int users(int n) {
            return Math.max(1, n / REQUESTS_PER_USER);
        }

        /** Event time of request r: a request every minute per user from the user's start, plus jitter. */
        static long requestTime(WorkloadShape shape, int r, int users, int jitterMs) {
            int u = r % users;
            int i = r / users;
            return T0 + i * 60_000L + shape.userStartMs(u, users) + jitterMs;
        }

        /**
         * The N requests' event times alone (unsorted, in request order), jitter drawn from
         * {@code jitter}: the schedule {@link #generate} follows, without building the events.
         */
        static long[] requestTimes(int n, WorkloadShape shape, Random jitter) {
            int users = users(n);
            long[] times = new long[n];
            for (int r = 0; r < n; r++) {
                times[r] = requestTime(shape, r, users, jitter.nextInt(JITTER_MS));
            }
            return times;
        }

        static Workload generate(int n, long seed, WorkloadShape shape) {
            Random rnd = new Random(seed);
            EventCodec<Impression> impCodec = EventCodec.impressions();
            EventCodec<Feedback> fbCodec = EventCodec.feedback();
            Workload w = new Workload();
            int users = users(n);
            List<long[]> fbTimes = new ArrayList<>();
            List<byte[][]> fbRecords = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int u = r % users;
                int i = r / users;
                String user = "user-" + u;
                String request = user + "-" + i;
                // A request roughly every minute per user, from the user's start (see WorkloadShape).
                long t = requestTime(shape, r, users, rnd.nextInt(JITTER_MS));
                List<Item> items = new ArrayList<>(CANDIDATES);
                Set<Integer> ids = new HashSet<>();
                for (int j = 0; j < CANDIDATES; j++) {
                    int id;
                    do {
                        id = rnd.nextInt(1_000_000);
                    } while (!ids.add(id));
                    items.add(Item.newBuilder().setItemId("item-" + id).setPosition(j)
                            .setScores(List.of(0.01f + 0.2f * rnd.nextFloat(), 0.001f + 0.05f * rnd.nextFloat(),
                                    0.1f + 5 * rnd.nextFloat(), 1 + 100 * rnd.nextFloat()))
                            .build());
                }
                double[] w4 = new double[TASKS];
                double sum = 0;
                for (int k = 0; k < TASKS; k++) {
                    w4[k] = -Math.log(1 - rnd.nextDouble());
                    sum += w4[k];
                }
                List<Double> weights = new ArrayList<>();
                for (double v : w4) {
                    weights.add(v / sum);
                }
                List<Float> features = new ArrayList<>(FEATURES);
                for (int d = 0; d < FEATURES; d++) {
                    features.add((float) rnd.nextGaussian());
                }
                Impression imp = Impression.newBuilder().setEventId("imp-" + request).setRequestId(request)
                        .setUserId(user).setEventTime(Instant.ofEpochMilli(t)).setPolicyVersion(1)
                        .setServedWeights(weights).setFeatures(features).setItems(items).build();
                if (w.sample.size() < 200) {
                    w.sample.add(imp);
                }
                byte[] key = user.getBytes(StandardCharsets.UTF_8);
                w.impressions.add(new ProducerRecord<>("", null, t, key, impCodec.encode(imp)));
                int f = 0;
                for (int j = 0; j < CANDIDATES; j++) {
                    if (rnd.nextDouble() >= 0.06) {
                        continue;
                    }
                    String item = items.get(j).getItemId();
                    long ft = t + (long) Math.min(540_000, -Math.log(1 - rnd.nextDouble()) * 60_000);
                    fbRecords.add(new byte[][] {key, fbCodec.encode(fb(request + "-" + f++, user, request, item, ft, "click", 1))});
                    fbTimes.add(new long[] {ft});
                    if (rnd.nextDouble() < 0.2) {
                        long ot = ft + rnd.nextInt(30_000);
                        double amount = 5 + 200 * rnd.nextDouble();
                        fbRecords.add(new byte[][] {key, fbCodec.encode(fb(request + "-" + f++, user, request, item, ot, "order", 1))});
                        fbTimes.add(new long[] {ot});
                        fbRecords.add(new byte[][] {key, fbCodec.encode(fb(request + "-" + f++, user, request, item, ot, "gmv", amount))});
                        fbTimes.add(new long[] {ot});
                        fbRecords.add(new byte[][] {key, fbCodec.encode(fb(request + "-" + f++, user, request, item, ot, "profit", amount * 0.1))});
                        fbTimes.add(new long[] {ot});
                    }
                }
            }
            w.impressions.sort((a, b) -> Long.compare(a.timestamp(), b.timestamp()));
            Integer[] order = new Integer[fbRecords.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(fbTimes.get(a)[0], fbTimes.get(b)[0]));
            for (int i : order) {
                byte[][] kv = fbRecords.get(i);
                w.feedback.add(new ProducerRecord<>("", null, fbTimes.get(i)[0], kv[0], kv[1]));
            }
            return w;
        }

        private static Feedback fb(String id, String user, String request, String item, long t, String type, double v) {
            return Feedback.newBuilder().setEventId(id).setRequestId(request).setUserId(user).setItemId(item)
                    .setEventTime(Instant.ofEpochMilli(t)).setType(type).setValue(v).build();
        }
    }

    private static void produce(EmbeddedKafkaBroker broker, String topic, List<ProducerRecord<byte[], byte[]>> records) {
        var props = broker.producerProperties();
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(new ProducerRecord<>(topic, null, r.timestamp(), r.key(), r.value()));
            }
            producer.flush();
        }
    }

    // ---- (a) bare consume + decode ------------------------------------------------------------

    /** Wall and CPU seconds from the first record to the last decoded; {@code startupSeconds} before the first record. */
    private record Timing(double seconds, double cpuSeconds, double startupSeconds) {}

    /** Wall and CPU seconds to consume and decode every event of both topics with a plain consumer. */
    private static Timing decodeAll(EmbeddedKafkaBroker broker, GradeConfig config, long expected) {
        EventCodec<Impression> impCodec = EventCodec.impressions();
        EventCodec<Feedback> fbCodec = EventCodec.feedback();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        long decoded = 0;
        long failed = 0;
        long first = 0;
        long cpuFirst = 0;
        var props = broker.consumerProperties("decode-" + System.nanoTime());
        props.put("max.poll.records", "2000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(config.impressionsTopic(), config.feedbackTopic())) {
                for (int p = 0; p < PARALLELISM; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (decoded + failed < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("decoded only " + decoded + " of " + expected + " events");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (first == 0) {
                        first = System.nanoTime();
                        cpuFirst = threads.getCurrentThreadCpuTime();
                    }
                    boolean ok = r.topic().equals(config.impressionsTopic())
                            ? impCodec.decode(r.value()).isOk() : fbCodec.decode(r.value()).isOk();
                    if (ok) {
                        decoded++;
                    } else {
                        failed++;
                    }
                }
            }
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " events failed to decode");
        }
        long end = System.nanoTime();
        return new Timing((end - first) / 1e9, (threads.getCurrentThreadCpuTime() - cpuFirst) / 1e9, (first - t0) / 1e9);
    }

    // ---- (b) the join job -----------------------------------------------------------------------

    private record JoinRun(double seconds, double wallSeconds, double cpuSeconds, Map<String, Double> cpuByGroup,
                           List<Long> checkpointDurations, long maxJoinStateBytes) {}

    /** Thread-name prefixes of the job's task threads and its sinks' producer threads. */
    private static final List<String> JOB_THREADS = List.of("Source: inputs", "Source Data Fetcher", "session-join",
            "labelled-requests-sink", "dead-letter-sink", "kafka-producer-network-thread | producer-tx-");

    /** Samples the CPU time of the job's Java threads while it runs (threads die with the job). */
    static final class CpuSampler implements AutoCloseable {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final Map<Long, Long> cpuByThread = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<Long, String> groupByThread = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

        CpuSampler() {
            timer.scheduleAtFixedRate(this::sample, 0, 100, TimeUnit.MILLISECONDS);
        }

        private void sample() {
            for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
                String name = info.getThreadName();
                for (String prefix : JOB_THREADS) {
                    if (name.startsWith(prefix)) {
                        long cpu = threads.getThreadCpuTime(info.getThreadId());
                        if (cpu > 0) {
                            cpuByThread.merge(info.getThreadId(), cpu, Math::max);
                            groupByThread.put(info.getThreadId(), prefix.startsWith("Source") ? "source"
                                    : prefix.startsWith("session-join") ? "session_join" : "sinks");
                        }
                        break;
                    }
                }
            }
        }

        double cpuSeconds() {
            return cpuByThread.values().stream().mapToLong(Long::longValue).sum() / 1e9;
        }

        /** CPU seconds per thread group: source (fetch, decode, route), session_join (chained with its sink writer), sinks. */
        Map<String, Double> cpuSecondsByGroup() {
            Map<String, Double> out = new java.util.TreeMap<>();
            cpuByThread.forEach((id, cpu) -> out.merge(groupByThread.get(id), cpu / 1e9, Double::sum));
            return out;
        }

        @Override
        public void close() {
            sample();
            timer.shutdownNow();
        }
    }

    /** Wall-clock nanos of the first record the job's source read and of the last labelled request (local MiniCluster: one JVM). */
    static final AtomicLong FIRST_RECORD_NANOS = new AtomicLong();
    static final AtomicLong LAST_LABELLED_NANOS = new AtomicLong();

    /** The job's deserializer, noting when the first record arrives. */
    static final class FirstRecordStamp implements KafkaRecordDeserializationSchema<InputRecord> {
        private static final long serialVersionUID = 1L;
        private final EventDeserializationSchema delegate;

        FirstRecordStamp(EventDeserializationSchema delegate) {
            this.delegate = delegate;
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) {
            delegate.open(context);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<InputRecord> out) {
            if (FIRST_RECORD_NANOS.get() == 0) {
                FIRST_RECORD_NANOS.compareAndSet(0, System.nanoTime());
            }
            delegate.deserialize(record, out);
        }

        @Override
        public TypeInformation<InputRecord> getProducedType() {
            return delegate.getProducedType();
        }
    }

    /** Notes when the latest labelled request left the join. */
    static final class LastLabelledStamp implements MapFunction<LabelledRequest, LabelledRequest> {
        private static final long serialVersionUID = 1L;

        @Override
        public LabelledRequest map(LabelledRequest r) {
            LAST_LABELLED_NANOS.accumulateAndGet(System.nanoTime(), Math::max);
            return r;
        }
    }

    /**
     * RocksDB's managed memory: what Flink gives the TaskManager of docker-compose.yml (process size
     * {@link #TASKMANAGER_PROCESS_SIZE}, task off-heap as the standalone cluster, default managed
     * fraction 0.4): about 1.3 GiB. The tests' MiniClusters keep 256 MiB; with it RocksDB flushes and
     * compacts the join's state all through the run (docs/design-join.md#benchmark).
     */
    static MemorySize managedMemory() {
        Configuration tm = new Configuration();
        tm.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, MemorySize.parse(TASKMANAGER_PROCESS_SIZE));
        tm.set(TaskManagerOptions.TASK_OFF_HEAP_MEMORY, MemorySize.parse(StandaloneFlinkCluster.TASK_OFF_HEAP));
        return TaskExecutorProcessUtils.processSpecFromConfig(tm).getManagedMemorySize();
    }

    /** HotSpot's total compilation time so far (all compiler threads), in ms. */
    private static long jitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    private static boolean jitQuiet(long jitMs, long wallNanos) {
        return jitMs < JIT_QUIET_SHARE * wallNanos / 1e6;
    }

    private static void deleteTopics(EmbeddedKafkaBroker broker, String... topics) throws Exception {
        try (var admin = broker.admin()) {
            admin.deleteTopics(List.of(topics)).all().get();
        }
    }

    /** A join run with what it committed: labelled requests, their digest, dead letters. */
    private record MeasuredJoin(JoinRun run, int labelled, String digest, long deadLetters) {}

    /**
     * One join run over the input topics of {@code inputs}, with its own output topics, group and
     * transactional ids (named after {@code prefix}), deleted after their records are counted.
     */
    private static MeasuredJoin runJoin(BenchCluster cluster, EmbeddedKafkaBroker broker, GradeConfig inputs,
                                        int impressions, String prefix) throws Exception {
        GradeConfig config = config(broker, EmbeddedKafkaBroker.uniqueTopic(prefix), inputs.impressionsTopic(),
                inputs.feedbackTopic());
        broker.createTopic(config.deadLetterTopic(), 1, KEEP);
        broker.createTopic(config.labelledRequestsTopic(), PARALLELISM, KEEP);
        try {
            JoinRun run = runJob(cluster, config, impressions);
            List<ConsumerRecord<byte[], byte[]>> labelled = broker.readAll(config.labelledRequestsTopic());
            return new MeasuredJoin(run, labelled.size(), labelledDigest(labelled),
                    countRecords(broker, config.deadLetterTopic()));
        } finally {
            deleteTopics(broker, config.labelledRequestsTopic(), config.deadLetterTopic());
        }
    }

    /** Index of the median of {@code values} (the upper one for an even count). */
    static int medianIndex(List<Double> values) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            order.add(i);
        }
        order.sort(java.util.Comparator.comparing(values::get));
        return order.get(values.size() / 2);
    }

    static double median(List<Double> values) {
        return values.get(medianIndex(values));
    }

    /**
     * The benchmark's standing cluster: one MiniCluster (one TaskManager, 2 slots, RocksDB with
     * checkpoints, the compose TaskManager's managed memory) that every warm-up and measured join
     * run is submitted to, as jobs are to a standing Flink cluster: the cluster's own start (RPC,
     * actor systems, REST) is neither repeated nor JIT-compiled during a measured run.
     */
    static final class BenchCluster implements AutoCloseable {
        final MiniCluster cluster;
        private final Path checkpoints;

        BenchCluster() throws Exception {
            checkpoints = Files.createTempDirectory("grade-join-bench-");
            Configuration conf = FlinkMiniClusters.rocksDbCheckpointing(checkpoints, null);
            conf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 10_000);
            conf.set(RestOptions.PORT, 0); // a free port: never collide with a dashboard or another run
            conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, managedMemory());
            MiniClusterConfiguration mc = new MiniClusterConfiguration.Builder()
                    .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(PARALLELISM).build();
            cluster = new MiniCluster(mc);
            try {
                cluster.start();
            } catch (Exception e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() throws Exception {
            try {
                cluster.close();
            } finally {
                deleteQuietly(checkpoints);
            }
        }
    }

    /** Submits the join job to the standing cluster and waits until it has committed everything. */
    private static JoinRun runJob(BenchCluster bench, GradeConfig config, int impressions) throws Exception {
        MiniCluster cluster = bench.cluster;
        TestStreamEnvironment.setAsContext(cluster, PARALLELISM);
        try {
            StreamExecutionEnvironment env = GradeJob.environment(config);
            JoinOutputs outputs = JoinPipeline.build(env, config, KafkaConnectors.source(config,
                    OffsetsInitializer.latest(), new FirstRecordStamp(new EventDeserializationSchema(config))));
            outputs.deadLetters().sinkTo(KafkaConnectors.deadLetterSink(config))
                    .name("dead-letter-sink").uid(JoinPipeline.UID_DEAD_LETTER_SINK);
            outputs.labelledRequests().map(new LastLabelledStamp(), Types.POJO(LabelledRequest.class))
                    .name("stamp").uid("bench-stamp")
                    .sinkTo(KafkaConnectors.labelledRequestSink(config))
                    .name("labelled-requests-sink").uid(JoinPipeline.UID_LABELLED_SINK);
            FIRST_RECORD_NANOS.set(0);
            LAST_LABELLED_NANOS.set(0);
            long t0 = System.nanoTime();
            CpuSampler cpu = new CpuSampler();
            JobClient client = env.executeAsync("join-benchmark");
            try (cpu) {
                client.getJobExecutionResult().get(30, TimeUnit.MINUTES);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double processing = (LAST_LABELLED_NANOS.get() - FIRST_RECORD_NANOS.get()) / 1e9;
            return stats(cluster, client.getJobID(), processing, wall, cpu.cpuSeconds(), cpu.cpuSecondsByGroup());
        } finally {
            TestStreamEnvironment.unsetAsContext();
        }
    }

    private static JoinRun stats(MiniCluster cluster, JobID job, double seconds, double wall, double cpu,
                                 Map<String, Double> cpuByGroup) throws Exception {
        AccessExecutionGraph graph = cluster.getExecutionGraph(job).get(30, TimeUnit.SECONDS);
        CheckpointStatsSnapshot snapshot = graph.getCheckpointStatsSnapshot();
        List<Long> durations = new ArrayList<>();
        long maxJoinState = 0;
        AccessExecutionJobVertex joinVertex = null;
        for (AccessExecutionJobVertex v : graph.getAllVertices().values()) {
            if (v.getName().startsWith("session-join")) {
                joinVertex = v;
            }
        }
        if (snapshot != null) {
            for (AbstractCheckpointStats c : snapshot.getHistory().getCheckpoints()) {
                if (c.getStatus() == CheckpointStatsStatus.COMPLETED) {
                    durations.add(c.getEndToEndDuration());
                    if (joinVertex != null && c.getTaskStateStats(joinVertex.getJobVertexId()) != null) {
                        maxJoinState = Math.max(maxJoinState, c.getTaskStateStats(joinVertex.getJobVertexId()).getStateSize());
                    }
                }
            }
        }
        return new JoinRun(seconds, wall, cpu, cpuByGroup, durations, maxJoinState);
    }

    /**
     * SHA-256 (first 16 hex digits) over the committed labelled requests sorted by request id: id,
     * items, labels, feedback count and the four reward parts. Identical across runs and code
     * changes exactly when the join's results are (session counts depend on timing and are left out).
     */
    static String labelledDigest(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        List<LabelledRequest> requests = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            requests.add(LabelledRequestCodec.decode(r.value()));
        }
        requests.sort(java.util.Comparator.comparing((LabelledRequest r) -> r.requestId));
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        DataOutputSerializer buf = new DataOutputSerializer(4096);
        for (LabelledRequest r : requests) {
            buf.clear();
            buf.writeUTF(r.requestId);
            buf.writeUTF(String.join(",", r.itemIds));
            for (double v : r.labels) {
                buf.writeDouble(v);
            }
            buf.writeInt(r.feedbackCount);
            buf.writeDouble(r.rewardPost);
            buf.writeDouble(r.rewardPrior);
            buf.writeDouble(r.rewardFormat);
            buf.writeDouble(r.rewardTotal);
            sha.update(buf.getSharedBuffer(), 0, buf.length());
        }
        return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    private static long countRecords(EmbeddedKafkaBroker broker, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerProperties("count-" + topic))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long count = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                count += consumer.poll(Duration.ofMillis(200)).count();
            }
            return count;
        }
    }

    // ---- state size -----------------------------------------------------------------------------

    /**
     * Bytes the join keeps in RocksDB per open request, from the job's own serializers (before
     * RocksDB compression): the open-requests entry (key group, user key, request id, OpenRequest)
     * and the requests entry (same key, a RequestSlot with the RequestLabels, as it opens), and the
     * close timer (key group, time, user key, namespace "c" + request id).
     */
    static long stateBytesPerOpenRequest(GradeConfig config, Workload w) throws Exception {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        TypeSerializer<OpenRequest> requestSerializer = OpenRequestSerializer.INSTANCE;
        TypeSerializer<RequestSlot> slotSerializer = RequestSlotSerializer.INSTANCE;
        ServedReward reward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        TypeSerializer<String> strings = TypeInformation.of(String.class).createSerializer(noKryo);
        EventValidator validator = new EventValidator(config);
        long total = 0;
        int count = 0;
        for (Impression imp : w.sample) {
            ImpressionEvent e = validator.impression(imp).value();
            OpenRequest r = OpenRequest.open(e, SessionState.next(null, e.eventTime, config.sessionGapMs()), config);
            int keyGroupPrefix = 2;
            int userKey = size(strings, e.userId);
            RequestLabels labels = RequestLabels.open(e, reward.rank(e.scores, e.positions, e.servedWeights), config.tasks());
            long entryKey = keyGroupPrefix + userKey + size(strings, e.requestId);
            long entry = entryKey + size(requestSerializer, r) + entryKey + size(slotSerializer, RequestSlot.open(labels));
            long timer = keyGroupPrefix + Long.BYTES + userKey + size(strings, "c" + e.requestId);
            total += entry + timer;
            count++;
        }
        return count == 0 ? 0 : total / count;
    }

    private static <T> int size(TypeSerializer<T> s, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        s.serialize(value, out);
        return out.length();
    }

    private static long percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = values.stream().sorted().collect(Collectors.toList());
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static long round(double v) {
        return Math.round(v);
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
