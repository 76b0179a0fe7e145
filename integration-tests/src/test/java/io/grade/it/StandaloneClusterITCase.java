package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.jobs.session.LabelledRequestCodec;
import io.grade.schemas.Impression;
import io.grade.testkit.cluster.FlinkRestClient;
import io.grade.testkit.cluster.StandaloneFlinkCluster;
import io.grade.testkit.zookeeper.EmbeddedZooKeeper;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerProcess;
import org.apache.kafka.clients.admin.NewTopic;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded job jar on a real standalone Flink cluster (a JobManager and two TaskManagers as
 * separate JVMs started from Maven artifacts, ZooKeeper high availability, the supervisor of
 * {@code ./grade cluster}), submitted through the REST API as {@code ./grade cluster submit} does,
 * fed by the event generator, with the Kafka broker in its own process. A fault campaign during
 * live traffic: three times the TaskManager running the job is killed (SIGKILL) and restarted by
 * the supervisor, then the JobManager is killed and restarted, and the job must come back from
 * ZooKeeper by itself. Then the way out of a crash loop: cancel, and restore the retained
 * checkpoint ({@code --from-checkpoint latest}). Asserted: 0 lost and 0 duplicated labelled requests
 * for a {@code read_committed} reader, policy versions strictly increasing, learning resumes after
 * every fault, the learner's counters continue over the restore. Recovery times are printed as
 * {@code FAULT-CAMPAIGN recovery ...} lines, the counts as one {@code FAULT-CAMPAIGN summary} line.
 */
class StandaloneClusterITCase {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final int TASKMANAGER_KILLS = 3;
    /**
     * Requests per second: low enough that the job, which re-reads everything since its last
     * checkpoint after each fault, catches up on a loaded 2-core machine (at 200/s it fell hours of
     * event time behind there).
     */
    private static final int RATE = 60;
    /** The job's attribution window (default) and the out-of-orderness passed below. */
    private static final Duration CLOSE_DELAY = Duration.ofMinutes(10).plusSeconds(60);

    @Test
    void shouldSurviveTaskManagerAndJobManagerKillsAndRestoreARetainedCheckpoint(@TempDir Path dir) throws Exception {
        Path jar = built("flink-jobs-.+-job\\.jar");
        Path nd4jLib = built("flink-jobs-.+-nd4j-lib\\.jar");
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"));
             KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("kafka"))) {
            assertThat(broker.pid()).as("the broker is its own process").isNotEqualTo(ProcessHandle.current().pid());
            runOnCluster(dir, jar, nd4jLib, broker.bootstrapServers(), zk.connectString());
        }
    }

    private static Path built(String regex) throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve("flink-jobs/target"))) {
            return files.filter(p -> p.getFileName().toString().matches(regex)).findFirst()
                    .orElseThrow(() -> new AssertionError("build the job jars first (mvn package): " + regex));
        }
    }

    /** A fault and how long until the job had completed a checkpoint and published a version after it. */
    private record Recovery(String fault, long checkpointMs, long versionMs) {}

    private void runOnCluster(Path dir, Path jar, Path nd4jLib, String bootstrap, String quorum) throws Exception {
        String s = EmbeddedKafkaBroker.uniqueTopic("");
        String impressions = "impressions" + s;
        String feedback = "feedback" + s;
        String policy = "policy" + s;
        String labelled = "labelled" + s;
        EmbeddedKafkaBroker.createTopics(bootstrap, List.of(new NewTopic(impressions, 2, (short) 1),
                new NewTopic(feedback, 2, (short) 1), new NewTopic("dead-letters" + s, 1, (short) 1),
                new NewTopic(labelled, 1, (short) 1)));
        List<String> args = List.of("--bootstrap-servers", bootstrap,
                "--impressions-topic", impressions, "--feedback-topic", feedback, "--policy-topic", policy,
                "--dead-letter-topic", "dead-letters" + s, "--labelled-requests-topic", labelled,
                "--transactional-id-prefix", "cluster" + s, "--group-id", "cluster" + s,
                "--checkpoint-interval", "2 s", "--transaction-timeout", "2 min", "--out-of-orderness", "60 s",
                "--idleness", "2 s", "--update-every", "64", "--update-interval", "3 s", "--publish-interval", "2 s",
                // 60 requests/s: a larger holdout, so the quality gate can judge the first version within seconds
                "--holdout-share", "0.2", "--gate-min-requests", "50");

        StandaloneFlinkCluster.Settings settings = StandaloneFlinkCluster.Settings.of(dir.resolve("cluster"), 0, 1,
                        StandaloneFlinkCluster.flinkClasspathOf(System.getProperty("java.class.path")), List.of(nd4jLib))
                .withTaskManagers(2).withHighAvailability(quorum).supervised();
        try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(settings)) {
            FlinkRestClient rest = new FlinkRestClient(cluster.restAddress());
            String jarId = rest.upload(jar);
            String job1 = rest.run(jarId, args, null, false);
            GeneratorConfig gen = GeneratorConfig.builder(bootstrap)
                    .impressionsTopic(impressions).feedbackTopic(feedback).policyTopic(policy)
                    .rate(RATE).speedup(180).seed(5).worldSeed(5).oracleEvery(0)
                    .startEventTime(Instant.parse("2026-02-02T08:00:00Z")).build();
            try (EventGenerator generator = new EventGenerator(gen).start()) {
                waitUntil(() -> generator.stats().currentVersion() >= 2, Duration.ofSeconds(180), cluster);

                // the JobManager fetches TaskManager metrics lazily (first request triggers a fetch)
                String vertex = vertexId(cluster.get("/jobs/" + job1), "GRPO learner");
                String metricsPath = "/jobs/" + job1 + "/vertices/" + vertex + "/metrics";
                waitUntil(() -> {
                    try {
                        return cluster.get(metricsPath).contains("grade.learner.policyVersion");
                    } catch (Exception e) {
                        return false;
                    }
                }, Duration.ofSeconds(60), cluster);
                assertThat(cluster.get(metricsPath)).contains("grade.learner.policyVersion", "grade.learner.requestsLearned",
                        "grade.learner.offHeapBytes", "grade.learner.physicalBytes");
                long[] memory1 = learnerMemory(cluster, metricsPath);
                DiskUse disk0 = DiskUse.of(cluster.workDirectory());

                // ---- the fault campaign: TaskManager kills, then a JobManager kill ----
                List<Recovery> recoveries = new ArrayList<>();
                for (int i = 1; i <= TASKMANAGER_KILLS; i++) {
                    String victim = taskManagerOf(cluster, job1, vertex);
                    recoveries.add(recover(cluster, generator, job1, "taskmanager kill " + i + " (" + victim + ")",
                            () -> cluster.processes().get(victim).destroyForcibly()));
                    // the supervisor brought the killed one back: the next kill again leaves a spare
                    int killed = i;
                    waitUntil(() -> cluster.restarts().get(victim) > 0 && cluster.restarts().entrySet().stream()
                            .filter(e -> e.getKey().startsWith(StandaloneFlinkCluster.TASKMANAGER))
                            .mapToInt(Map.Entry::getValue).sum() == killed, Duration.ofSeconds(120), cluster);
                    cluster.awaitTaskManagers(2, Duration.ofSeconds(120));
                }
                recoveries.add(recover(cluster, generator, job1, "jobmanager kill",
                        () -> cluster.processes().get(StandaloneFlinkCluster.JOBMANAGER).destroyForcibly()));
                // the job came back from ZooKeeper: same id, nothing resubmitted
                assertThat(rest.activeJobs()).containsExactly(job1);
                long versionAfterFaults = generator.stats().currentVersion();
                waitUntil(() -> generator.stats().currentVersion() >= versionAfterFaults + 2, Duration.ofSeconds(120), cluster);
                Map<String, Integer> restarts = cluster.restarts();
                assertThat(restarts.get(StandaloneFlinkCluster.JOBMANAGER)).isEqualTo(1);
                assertThat(restarts.entrySet().stream().filter(e -> e.getKey().startsWith(StandaloneFlinkCluster.TASKMANAGER))
                        .mapToInt(Map.Entry::getValue).sum()).isEqualTo(TASKMANAGER_KILLS);
                long jobRestarts = jobRestarts(rest, job1);

                // ---- out of a crash loop: cancel (the checkpoint is retained), restore it ----
                DiskUse disk1 = DiskUse.of(cluster.workDirectory());
                rest.cancel(job1);
                waitUntil(() -> state(rest, job1).equals("CANCELED"), Duration.ofSeconds(60), cluster);
                Path retained = FlinkRestClient.latestCheckpoint(cluster.workDirectory().resolve("checkpoints"))
                        .orElseThrow(() -> new AssertionError("no checkpoint retained on cancellation"));
                assertThat(retained.getParent().getFileName().toString()).as("retained by the cancelled job").isEqualTo(job1);
                TreeMap<Long, PolicySnapshot> before = readPolicies(bootstrap, policy);
                assertThat(before).isNotEmpty();
                long lastVersion = before.lastKey();
                long learnedBefore = before.lastEntry().getValue().getStats().getRequestsLearned();

                String job2 = rest.run(jarId, args, retained.toUri().toString(), false);
                waitUntil(() -> generator.stats().currentVersion() > lastVersion + 1, Duration.ofSeconds(180), cluster);
                String metricsPath2 = "/jobs/" + job2 + "/vertices/" + vertexId(cluster.get("/jobs/" + job2), "GRPO learner")
                        + "/metrics";
                waitUntil(() -> {
                    try {
                        return cluster.get(metricsPath2).contains("grade.learner.offHeapBytes");
                    } catch (Exception e) {
                        return false;
                    }
                }, Duration.ofSeconds(60), cluster);
                long[] memory2 = learnerMemory(cluster, metricsPath2);
                DiskUse disk2 = DiskUse.of(cluster.workDirectory());

                // stop the traffic; wait until the job caught up (its watermark closed every request the
                // count checks) and the last closes reached committed transactions
                generator.stop();
                assertThat(generator.awaitDone(Duration.ofSeconds(60))).isTrue();
                long newestImpression = newestEventTime(bootstrap, impressions);
                String joinVertex = vertexId(cluster.get("/jobs/" + job2), "session-join");
                long caughtUpFrom = System.nanoTime();
                waitUntil(() -> joinWatermark(rest, job2, joinVertex) >= newestImpression - Duration.ofMinutes(3).toMillis(),
                        Duration.ofMinutes(6), cluster);
                System.out.printf("FAULT-CAMPAIGN catch-up after the traffic stopped: %d ms%n",
                        (System.nanoTime() - caughtUpFrom) / 1_000_000);
                long checkpointAfterStop = latestCheckpointId(rest, job2);
                waitUntil(() -> latestCheckpointId(rest, job2) >= checkpointAfterStop + 3, Duration.ofSeconds(90), cluster);
                rest.cancel(job2);

                Counts counts = labelledRequestCounts(bootstrap, impressions, labelled);
                System.out.printf("cluster disk after submission 1: %s%ncluster disk before resubmission: %s%n"
                        + "cluster disk after resubmission: %s%n", disk0, disk1, disk2);
                System.out.printf("learner memory (ND4J off-heap now / peak after an update, TaskManager RSS): submission 1"
                        + " %.2f / %.2f MB, %.1f MB; restored %.2f / %.2f MB, %.1f MB%n", mb(memory1[0]), mb(memory1[1]),
                        mb(memory1[2]), mb(memory2[0]), mb(memory2[1]), mb(memory2[2]));
                for (Recovery r : recoveries) {
                    System.out.printf("FAULT-CAMPAIGN recovery fault=\"%s\" checkpoint_ms=%d version_ms=%d%n",
                            r.fault(), r.checkpointMs(), r.versionMs());
                }
                System.out.printf("FAULT-CAMPAIGN summary sent=%d checked=%d labelled=%d lost=%d duplicated=%d "
                                + "taskmanager_kills=%d jobmanager_kills=1 process_restarts=%s job_restarts=%d "
                                + "versions_before_cancel=%d%n", counts.sent(), counts.checked(), counts.labelled(),
                        counts.lost(), counts.duplicated(), TASKMANAGER_KILLS, restarts, jobRestarts, lastVersion);
                cluster.supervisorEvents().forEach(e -> System.out.println("supervisor: " + e));

                assertThat(counts.checked()).as("labelled requests old enough to be closed").isGreaterThan(5_000);
                assertThat(counts.lost()).as("lost labelled requests (first: %s)", counts.firstLost()).isZero();
                assertThat(counts.duplicated()).as("duplicated labelled requests (first: %s)", counts.firstDuplicate()).isZero();
                List<Long> order = readVersionOrder(bootstrap, policy);
                for (int i = 1; i < order.size(); i++) {
                    assertThat(order.get(i)).as("versions in topic order").isGreaterThan(order.get(i - 1));
                }
                TreeMap<Long, PolicySnapshot> after = readPolicies(bootstrap, policy);
                PolicySnapshot resumed = after.get(lastVersion + 1);
                assertThat(resumed).as("the first version after the restore").isNotNull();
                assertThat(resumed.getStats().getRequestsLearned()).as("requests learned continue from the checkpoint")
                        .isGreaterThan(learnedBefore);
                assertThat(resumed.getStats().getUpdates()).isGreaterThan(before.lastEntry().getValue().getStats().getUpdates());
                // ND4J (on the TaskManagers' lib/, parent-first) extracts its native libraries once: neither
                // the restarted TaskManagers nor the resubmission add anything
                assertThat(disk0.nativeCache()).as("native libraries extracted by submission 1").isGreaterThan(100L << 20);
                assertThat(disk1.cacheFiles()).as("JavaCPP cache files after the TaskManager restarts").isEqualTo(disk0.cacheFiles());
                assertThat(disk2.cacheFiles()).as("JavaCPP cache files after the resubmission").isEqualTo(disk1.cacheFiles());
                assertThat(disk2.jvmTemp() - disk1.jvmTemp()).as("JVM temp growth by the resubmission").isLessThan(1L << 20);
                assertThat(memory2[1]).as("ND4J held native memory after an update").isPositive();
            }
        }
    }

    /**
     * Injects a fault and measures, from the fault on, the time to the job's next completed
     * checkpoint (acknowledged after the fault) and to the next policy version the generator's
     * read_committed client sees.
     */
    private static Recovery recover(StandaloneFlinkCluster cluster, EventGenerator generator, String job, String fault,
                                    Runnable inject) throws Exception {
        FlinkRestClient rest = new FlinkRestClient(cluster.restAddress());
        long version = generator.stats().currentVersion();
        long killedAt = System.currentTimeMillis();
        inject.run();
        long[] checkpointAt = {-1};
        long[] versionAt = {-1};
        waitUntil(() -> {
            long now = System.currentTimeMillis();
            if (versionAt[0] < 0 && generator.stats().currentVersion() > version) {
                versionAt[0] = now;
            }
            if (checkpointAt[0] < 0) {
                try {
                    long ack = latestCompletedAck(rest.get("/jobs/" + job + "/checkpoints"));
                    if (ack > killedAt) {
                        checkpointAt[0] = now;
                    }
                } catch (Exception restartingJobManager) {
                    // not up yet
                }
            }
            return checkpointAt[0] >= 0 && versionAt[0] >= 0;
        }, Duration.ofSeconds(240), cluster);
        return new Recovery(fault, checkpointAt[0] - killedAt, versionAt[0] - killedAt);
    }

    /** Acknowledgement time (epoch ms) of the job's latest completed checkpoint, or -1. */
    private static long latestCompletedAck(String checkpointsJson) {
        Matcher m = Pattern.compile("\"completed\"\\s*:\\s*\\{[^{}]*?\"latest_ack_timestamp\"\\s*:\\s*(\\d+)")
                .matcher(checkpointsJson);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Event time (epoch ms) of the newest impression in the topic. */
    private static long newestEventTime(String bootstrap, String impressionsTopic) {
        EventCodec<Impression> codec = EventCodec.impressions();
        long newest = 0;
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafkaBroker.readAll(bootstrap, impressionsTopic, Duration.ofSeconds(60))) {
            DecodeResult<Impression> d = codec.decode(r.value());
            if (d.isOk()) {
                newest = Math.max(newest, d.value().getEventTime().toEpochMilli());
            }
        }
        return newest;
    }

    /** The session join's input watermark (epoch ms), or Long.MIN_VALUE while unknown. */
    private static long joinWatermark(FlinkRestClient rest, String job, String vertex) {
        try {
            String path = "/jobs/" + job + "/vertices/" + vertex + "/metrics";
            Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"(0\\.session-join\\.currentInputWatermark)\"").matcher(rest.get(path));
            if (!id.find()) {
                return Long.MIN_VALUE;
            }
            Matcher v = Pattern.compile("\"value\"\\s*:\\s*\"(-?\\d+)\"").matcher(rest.get(path + "?get=" + id.group(1)));
            return v.find() ? Long.parseLong(v.group(1)) : Long.MIN_VALUE;
        } catch (Exception e) {
            return Long.MIN_VALUE;
        }
    }

    private static long latestCheckpointId(FlinkRestClient rest, String job) {
        try {
            Matcher m = Pattern.compile("\"completed\"\\s*:\\s*(\\d+)").matcher(rest.get("/jobs/" + job + "/checkpoints"));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static String state(FlinkRestClient rest, String job) {
        try {
            return rest.state(job);
        } catch (Exception e) {
            return "UNKNOWN";
        }
    }

    /** The job's restarts (the numRestarts job metric). */
    private static long jobRestarts(FlinkRestClient rest, String job) throws Exception {
        Matcher m = Pattern.compile("\"value\"\\s*:\\s*\"(\\d+)\"").matcher(rest.get("/jobs/" + job + "/metrics?get=numRestarts"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The TaskManager (its resource id = the supervisor's role) running the job's learner. */
    private static String taskManagerOf(StandaloneFlinkCluster cluster, String job, String vertex) throws Exception {
        String[] found = {null};
        waitUntil(() -> {
            try {
                // parallelism 1: the vertex has one subtask, on one TaskManager
                Matcher m = Pattern.compile("\"taskmanager-id\"\\s*:\\s*\"([^\"]+)\"")
                        .matcher(cluster.get("/jobs/" + job + "/vertices/" + vertex + "/taskmanagers"));
                if (m.find() && cluster.processes().containsKey(m.group(1))) {
                    found[0] = m.group(1);
                }
            } catch (Exception notYet) {
                // the JobManager is busy
            }
            return found[0] != null;
        }, Duration.ofSeconds(60), cluster);
        return found[0];
    }

    /**
     * Labelled requests seen by a read_committed reader against the requests the generator sent
     * (its impressions): every request whose impression is older than the newest one by more than
     * the attribution window plus the out-of-orderness has been closed, so it must be there once.
     */
    private record Counts(long sent, long checked, long labelled, long lost, long duplicated, String firstLost,
                          String firstDuplicate) {}

    private static Map<org.apache.kafka.common.TopicPartition, Long> endOffsets(String bootstrap, String topic, String isolation) {
        java.util.Properties p = EmbeddedKafkaBroker.consumerProperties(bootstrap, "grade-end-offsets");
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p)) {
            List<org.apache.kafka.common.TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            return c.endOffsets(parts, Duration.ofSeconds(30));
        }
    }

    private static Counts labelledRequestCounts(String bootstrap, String impressionsTopic, String labelledTopic) {
        Map<String, Long> sent = new HashMap<>();
        EventCodec<Impression> codec = EventCodec.impressions();
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafkaBroker.readAll(bootstrap, impressionsTopic, Duration.ofSeconds(60))) {
            DecodeResult<Impression> d = codec.decode(r.value());
            if (d.isOk()) {
                sent.merge(d.value().getRequestId(), d.value().getEventTime().toEpochMilli(), Math::min);
            }
        }
        long newest = sent.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long cutoff = newest - CLOSE_DELAY.toMillis() - Duration.ofMinutes(2).toMillis();
        Map<String, Integer> labelled = new HashMap<>();
        long records = 0;
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafkaBroker.readAll(bootstrap, labelledTopic, Duration.ofSeconds(60))) {
            labelled.merge(LabelledRequestCodec.decode(r.value()).requestId, 1, Integer::sum);
            records++;
        }
        long newestLabelled = 0;
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafkaBroker.readAll(bootstrap, labelledTopic, Duration.ofSeconds(1))) {
            newestLabelled = Math.max(newestLabelled, LabelledRequestCodec.decode(r.value()).eventTime);
        }
        System.out.printf("labelled topic: committed end %s, log end %s; newest impression %s, newest labelled %s, cutoff %s%n",
                endOffsets(bootstrap, labelledTopic, "read_committed"), endOffsets(bootstrap, labelledTopic, "read_uncommitted"),
                Instant.ofEpochMilli(newest), Instant.ofEpochMilli(newestLabelled), Instant.ofEpochMilli(cutoff));
        List<String> checked = sent.entrySet().stream().filter(e -> e.getValue() <= cutoff).map(Map.Entry::getKey).toList();
        List<String> lost = checked.stream().filter(id -> !labelled.containsKey(id)).toList();
        List<String> duplicated = labelled.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        return new Counts(sent.size(), checked.size(), records, lost.size(),
                duplicated.stream().mapToLong(id -> labelled.get(id) - 1).sum(),
                lost.isEmpty() ? "-" : lost.get(0), duplicated.isEmpty() ? "-" : duplicated.get(0));
    }

    /** Disk use under the cluster's work directory, by what fills it. */
    private record DiskUse(long nativeCache, long jvmTemp, long flinkTemp, long total, java.util.Map<String, Long> cacheFiles) {
        static DiskUse of(Path workDir) throws IOException {
            Path cache = workDir.resolve(StandaloneFlinkCluster.JAVACPP_CACHE);
            java.util.Map<String, Long> files = new java.util.TreeMap<>();
            if (Files.exists(cache)) {
                try (Stream<Path> all = Files.walk(cache)) {
                    for (Path f : all.filter(Files::isRegularFile).toList()) {
                        files.put(cache.relativize(f).toString(), Files.size(f));
                    }
                }
            }
            return new DiskUse(sizeOf(cache), sizeOf(workDir.resolve(StandaloneFlinkCluster.JVM_TEMP)),
                    sizeOf(workDir.resolve("tmp")), sizeOf(workDir), files);
        }

        @Override
        public String toString() {
            return String.format("JavaCPP cache %.1f MB, TaskManager java.io.tmpdir %.1f MB, Flink io.tmp.dirs (blobs) %.1f MB,"
                    + " work dir total %.1f MB", mb(nativeCache), mb(jvmTemp), mb(flinkTemp), mb(total));
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException gone) {
                    return 0;
                }
            }).sum();
        }
    }

    private static double mb(long bytes) {
        return bytes / 1048576.0;
    }

    /** The learner's {offHeapBytes, offHeapPeakBytes, physicalBytes} gauges of subtask 0, read through the REST API. */
    private static long[] learnerMemory(StandaloneFlinkCluster cluster, String metricsPath) throws Exception {
        String list = cluster.get(metricsPath);
        List<String> ids = Stream.of("offHeapBytes", "offHeapPeakBytes", "physicalBytes")
                .map(n -> metricId(list, "grade.learner." + n)).toList();
        String values = cluster.get(metricsPath + "?get=" + String.join(",", ids));
        return ids.stream().mapToLong(id -> Long.parseLong(metricValue(values, id))).toArray();
    }

    private static String metricId(String list, String suffix) {
        Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]*" + Pattern.quote(suffix) + ")\"").matcher(list);
        if (!m.find()) {
            throw new AssertionError("no metric " + suffix + " in " + list);
        }
        return m.group(1);
    }

    private static String metricValue(String values, String id) {
        Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"" + Pattern.quote(id) + "\"\\s*,\\s*\"value\"\\s*:\\s*\"([^\"]*)\"")
                .matcher(values);
        if (!m.find()) {
            throw new AssertionError("no value of " + id + " in " + values);
        }
        return m.group(1);
    }

    private static String vertexId(String jobJson, String name) {
        Matcher m = Pattern.compile("\\{\"id\":\"([0-9a-f]{32})\"[^{}]*?\"name\":\"([^\"]*)\"").matcher(jobJson);
        while (m.find()) {
            if (m.group(2).contains(name)) {
                return m.group(1);
            }
        }
        throw new AssertionError("no vertex named " + name + " in " + jobJson);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        return EmbeddedKafkaBroker.readAll(bootstrap, topic, Duration.ofSeconds(30));
    }

    private static TreeMap<Long, PolicySnapshot> readPolicies(String broker, String topic) {
        TreeMap<Long, PolicySnapshot> out = new TreeMap<>();
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        for (ConsumerRecord<byte[], byte[]> r : readAll(broker, topic)) {
            DecodeResult<PolicySnapshot> d = codec.decode(r.value());
            assertThat(d.isOk()).isTrue();
            out.put(d.value().getVersion(), d.value());
        }
        return out;
    }

    private static List<Long> readVersionOrder(String broker, String topic) {
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        return readAll(broker, topic).stream().map(r -> codec.decode(r.value()).value().getVersion()).toList();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout,
                                  StandaloneFlinkCluster cluster) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String jobs;
                try {
                    jobs = cluster.get("/jobs/overview");
                } catch (IOException e) {
                    jobs = "REST API not answering: " + e;
                }
                throw new AssertionError("timed out after " + timeout + "; jobs: " + jobs + "; supervisor: "
                        + cluster.supervisorEvents());
            }
            Thread.sleep(250);
        }
    }
}
