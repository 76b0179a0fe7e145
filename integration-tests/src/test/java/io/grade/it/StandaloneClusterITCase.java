package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.cluster.StandaloneFlinkCluster;
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
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded job jar on a real standalone Flink cluster (separate JobManager and TaskManager JVMs
 * started from Maven artifacts), submitted through the REST API as {@code flink run} does, fed by
 * the event generator, with the Kafka broker in a third process; then stopped with a savepoint and
 * resubmitted from it. Versions must keep
 * increasing and the learner's counters must continue, not restart.
 */
class StandaloneClusterITCase {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void shouldRunTheJobJarOnAClusterAndResumeFromASavepoint(@TempDir Path dir) throws Exception {
        Path jar = built("flink-jobs-.+-job\\.jar");
        Path nd4jLib = built("flink-jobs-.+-nd4j-lib\\.jar");
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("kafka"))) {
            assertThat(broker.pid()).as("the broker is its own process").isNotEqualTo(ProcessHandle.current().pid());
            runOnCluster(dir, jar, nd4jLib, broker.bootstrapServers());
        }
    }

    private static Path built(String regex) throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve("flink-jobs/target"))) {
            return files.filter(p -> p.getFileName().toString().matches(regex)).findFirst()
                    .orElseThrow(() -> new AssertionError("build the job jars first (mvn package): " + regex));
        }
    }

    private void runOnCluster(Path dir, Path jar, Path nd4jLib, String bootstrap) throws Exception {
        String s = EmbeddedKafkaBroker.uniqueTopic("");
        String impressions = "impressions" + s;
        String feedback = "feedback" + s;
        String policy = "policy" + s;
        EmbeddedKafkaBroker.createTopics(bootstrap, List.of(new NewTopic(impressions, 2, (short) 1),
                new NewTopic(feedback, 2, (short) 1), new NewTopic("dead-letters" + s, 1, (short) 1),
                new NewTopic("labelled" + s, 1, (short) 1)));
        List<String> args = List.of("--bootstrap-servers", bootstrap,
                "--impressions-topic", impressions, "--feedback-topic", feedback, "--policy-topic", policy,
                "--dead-letter-topic", "dead-letters" + s, "--labelled-requests-topic", "labelled" + s,
                "--transactional-id-prefix", "cluster" + s, "--group-id", "cluster" + s,
                "--checkpoint-interval", "2 s", "--transaction-timeout", "2 min", "--out-of-orderness", "60 s",
                "--idleness", "2 s", "--update-every", "64", "--update-interval", "3 s", "--publish-interval", "2 s");

        try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(dir.resolve("cluster"), 0, 2,
                StandaloneFlinkCluster.flinkClasspathOf(System.getProperty("java.class.path")), List.of(nd4jLib))) {
            String jarId = upload(cluster, jar);
            String job1 = run(cluster, jarId, args, null);
            GeneratorConfig gen = GeneratorConfig.builder(bootstrap)
                    .impressionsTopic(impressions).feedbackTopic(feedback).policyTopic(policy)
                    .rate(200).speedup(180).seed(5).worldSeed(5).oracleEvery(0)
                    .startEventTime(Instant.parse("2026-02-02T08:00:00Z")).build();
            try (EventGenerator generator = new EventGenerator(gen).start()) {
                waitUntil(() -> generator.stats().currentVersion() >= 2, Duration.ofSeconds(120), cluster);

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
                DiskUse disk1 = DiskUse.of(cluster.workDirectory());

                String savepoint = stopWithSavepoint(cluster, job1, dir.resolve("savepoints"));
                TreeMap<Long, PolicySnapshot> before = readPolicies(bootstrap, policy);
                assertThat(before).isNotEmpty();
                long lastVersion = before.lastKey();
                long learnedBefore = before.lastEntry().getValue().getStats().getRequestsLearned();

                String job2 = run(cluster, jarId, args, savepoint);
                waitUntil(() -> generator.stats().currentVersion() > lastVersion + 1, Duration.ofSeconds(120), cluster);
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
                generator.stop();
                post(cluster, "/jobs/" + job2 + "?mode=cancel", null, "PATCH");

                System.out.printf("cluster disk after submission 1: %s%ncluster disk after submission 2: %s%n", disk1, disk2);
                System.out.println("JavaCPP cache after submission 1: " + disk1.cacheFiles());
                System.out.println("JavaCPP cache files new or changed by submission 2: " + disk2.cacheFiles().entrySet().stream()
                        .filter(e -> !e.getValue().equals(disk1.cacheFiles().get(e.getKey()))).toList());
                System.out.printf("learner memory (ND4J off-heap now / peak after an update, TaskManager RSS): submission 1"
                        + " %.2f / %.2f MB, %.1f MB; submission 2 %.2f / %.2f MB, %.1f MB%n", mb(memory1[0]), mb(memory1[1]),
                        mb(memory1[2]), mb(memory2[0]), mb(memory2[1]), mb(memory2[2]));

                TreeMap<Long, PolicySnapshot> after = readPolicies(bootstrap, policy);
                List<Long> order = readVersionOrder(bootstrap, policy);
                for (int i = 1; i < order.size(); i++) {
                    assertThat(order.get(i)).as("versions in topic order").isGreaterThan(order.get(i - 1));
                }
                PolicySnapshot resumed = after.get(lastVersion + 1);
                assertThat(resumed).as("the first version after the savepoint").isNotNull();
                assertThat(resumed.getStats().getRequestsLearned()).as("requests learned continue from the savepoint")
                        .isGreaterThan(learnedBefore);
                assertThat(resumed.getStats().getUpdates()).isGreaterThan(before.lastEntry().getValue().getStats().getUpdates());
                // ND4J (on the TaskManager's lib/, parent-first) extracts its native libraries once per
                // TaskManager: the second submission reuses them and adds nothing
                assertThat(disk1.nativeCache()).as("native libraries extracted by submission 1").isGreaterThan(100L << 20);
                assertThat(disk2.cacheFiles()).as("JavaCPP cache files after submission 2").isEqualTo(disk1.cacheFiles());
                assertThat(disk2.jvmTemp() - disk1.jvmTemp()).as("JVM temp growth by submission 2").isLessThan(1L << 20);
                assertThat(memory2[1]).as("ND4J held native memory after an update").isPositive();
            }
        }
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

    private static String upload(StandaloneFlinkCluster cluster, Path jar) throws Exception {
        String boundary = "grade-" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(cluster.restAddress().resolve("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(jar), HttpRequest.BodyPublishers.ofByteArray(tail)))
                .timeout(Duration.ofMinutes(3)).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("upload: %s", r.body()).isEqualTo(200);
        String filename = field(r.body(), "filename");
        return Path.of(filename).getFileName().toString();
    }

    private static String run(StandaloneFlinkCluster cluster, String jarId, List<String> args, String savepoint)
            throws Exception {
        String list = args.stream().map(a -> "\"" + a.replace("\"", "\\\"") + "\"").collect(Collectors.joining(","));
        String body = "{\"programArgsList\":[" + list + "]"
                + (savepoint == null ? "" : ",\"savepointPath\":\"" + savepoint + "\"") + "}";
        return field(post(cluster, "/jars/" + jarId + "/run", body, "POST"), "jobid");
    }

    private static String stopWithSavepoint(StandaloneFlinkCluster cluster, String jobId, Path target) throws Exception {
        String trigger = field(post(cluster, "/jobs/" + jobId + "/stop",
                "{\"targetDirectory\":\"" + target.toUri() + "\",\"drain\":false}", "POST"), "request-id");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            String status = cluster.get("/jobs/" + jobId + "/savepoints/" + trigger);
            if (status.contains("\"COMPLETED\"")) {
                assertThat(status).doesNotContain("failure-cause");
                return field(status, "location");
            }
            Thread.sleep(500);
        }
        throw new AssertionError("savepoint of " + jobId + " did not complete");
    }

    private static String post(StandaloneFlinkCluster cluster, String path, String json, String method) throws Exception {
        HttpRequest.BodyPublisher body = json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(cluster.restAddress().resolve(path))
                .header("Content-Type", "application/json").method(method, body).timeout(Duration.ofMinutes(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isBetween(200, 299);
        return r.body();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in " + json);
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
                                  StandaloneFlinkCluster cluster) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + "; jobs: " + cluster.get("/jobs/overview"));
            }
            Thread.sleep(250);
        }
    }
}
