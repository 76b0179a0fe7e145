package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.cli.demo.HoldoutFigures;
import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.generator.GeneratorStats;
import io.grade.cli.policy.PolicyOperations;
import io.grade.jobs.GradeJob;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.flink.FlinkMiniClusters;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The product end to end on a real broker and a MiniCluster (RocksDB, checkpointing): the
 * generator serves with the newest policy, the job joins, learns and publishes exactly-once, a
 * TaskManager is killed mid-run, and the loop keeps learning. Asserts what a user relies on: the
 * served reward beats static weights on the same traffic, versions seen by read_committed serving
 * are strictly increasing without duplicates across the failure, and the dashboard's REST API lists
 * the learner metrics.
 */
class ClosedLoopITCase {

    static final Path CHECKPOINTS = tempDir();

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMiniClusters.extension(2, CHECKPOINTS, null);

    private static final double SPEEDUP = 180; // 3 simulated hours per wall minute
    private static final double RATE = 250;

    @Test
    void shouldLearnBeatStaticWeightsAndSurviveATaskManagerFailure(
            @InjectMiniCluster MiniCluster miniCluster, @InjectClusterRESTAddress URI rest) throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String bs = broker.bootstrapServers();
        String suffix = EmbeddedKafkaBroker.uniqueTopic("");
        String impressions = "impressions" + suffix;
        String feedback = "feedback" + suffix;
        String policy = "policy" + suffix;
        broker.createTopic(impressions, 2);
        broker.createTopic(feedback, 2);
        broker.createTopic("dead-letters" + suffix, 1);
        broker.createTopic("labelled" + suffix, 1);

        GradeJob.Job job = GradeJob.prepare(new String[] {
            "--bootstrap-servers", bs,
            "--impressions-topic", impressions, "--feedback-topic", feedback, "--policy-topic", policy,
            "--dead-letter-topic", "dead-letters" + suffix, "--labelled-requests-topic", "labelled" + suffix,
            "--transactional-id-prefix", "it" + suffix, "--group-id", "it" + suffix,
            "--checkpoint-interval", "2 s", "--transaction-timeout", "2 min",
            "--out-of-orderness", "60 s", "--idleness", "2 s",
            "--update-every", "128", "--update-interval", "5 s", "--publish-interval", "2 s",
            // the quality gate judges the first version after ~1,000 requests (4 s) instead of ~4,000
            "--holdout-share", "0.1", "--gate-min-requests", "100",
            "--seed", "7"});
        assertThat(job.warmStartSnapshot()).as("fresh topic: cold start").isNull();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        GradeJob.configure(env, job);
        GradeJob.build(env, job);
        JobClient client = env.executeAsync(job.join().jobName());
        awaitStatus(client, JobStatus.RUNNING);

        GeneratorConfig gen = GeneratorConfig.builder(bs)
                .impressionsTopic(impressions).feedbackTopic(feedback).policyTopic(policy)
                .modelId(job.learner().modelId())
                .rate(RATE).speedup(SPEEDUP).seed(11).worldSeed(3)
                .startEventTime(Instant.parse("2026-01-05T08:00:00Z"))
                .duration(Duration.ofSeconds(75))
                .oracleEvery(4)
                // the online holdout: a fifth of the users stay on static weights, recorded as CONTROL
                .controlShare(0.2)
                .build();
        long versionBeforeFailure;
        try (EventGenerator generator = new EventGenerator(gen).start()) {
            // Let a few versions reach serving, then kill the TaskManager and start a new one.
            waitUntil(() -> generator.stats().currentVersion() >= 3, Duration.ofSeconds(60));
            versionBeforeFailure = generator.stats().currentVersion();
            miniCluster.terminateTaskManager(0).get();
            miniCluster.startTaskManager();
            assertThat(generator.awaitDone(Duration.ofSeconds(120))).isTrue();
            assertThat(generator.failure()).isNull();

            GeneratorStats stats = generator.stats();
            // Learning continued after the recovery.
            assertThat(stats.currentVersion()).isGreaterThan(versionBeforeFailure + 3);

            // Served reward: the last 20 % of requests beat static weights on the same requests, and
            // beat the first 20 % (served with static weights before any policy existed), in each of
            // the last timeline windows as well as overall.
            GeneratorStats.RewardSummary first = stats.first();
            GeneratorStats.RewardSummary last = stats.last();
            System.out.printf("closed loop: requests %d, versions %d (v%d before the failure), first %s, last %s%n",
                    stats.requests(), stats.currentVersion(), versionBeforeFailure, first, last);
            assertThat(last.served() - last.staticWeights()).as("lift over static, last 20%%: %s", last)
                    .isGreaterThan(0.02);
            assertThat(last.served() - first.served()).as("last vs first window").isGreaterThan(0.02);
            List<GeneratorStats.RewardSummary> timeline = stats.timeline();
            for (GeneratorStats.RewardSummary w : timeline.subList(timeline.size() - 3, timeline.size())) {
                assertThat(w.served()).as("window %s", w).isGreaterThan(w.staticWeights());
            }

            // The dashboard's REST API lists the learner metrics of the running job.
            String vertices = get(rest.resolve("/jobs/" + client.getJobID()));
            String learnerVertex = vertexId(vertices, "GRPO learner");
            String metrics = get(rest.resolve("/jobs/" + client.getJobID() + "/vertices/" + learnerVertex + "/metrics"));
            assertThat(metrics).contains("grade.learner.policyVersion", "grade.learner.updates",
                    "grade.learner.requestsLearned", "grade.learner.kl", "grade.learner.meanGroupReward");

            // The online holdout's gauges: the lift of the policy over static weights measured from the
            // users' feedback, as a user's monitoring reads it, agrees with the simulator's true lift on
            // the same requests. After the TaskManager failure its counts neither lost nor repeated a
            // request: once no window closes any more, requests counted + skipped = the labelled requests
            // the job committed to its topic.
            String labelled = "labelled" + suffix;
            AtomicLong committed = new AtomicLong();
            AtomicReference<Map<String, Double>> holdout = new AtomicReference<>(Map.of());
            Awaitility.await("holdout counts = committed labelled requests").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        committed.set(broker.readAll(labelled).size());
                        Map<String, Double> g = HoldoutFigures.read(rest, client.getJobID());
                        holdout.set(g);
                        double seen = g.getOrDefault("treatmentRequests", 0.0) + g.getOrDefault("controlRequests", 0.0)
                                + g.getOrDefault("skippedRequests", 0.0);
                        return committed.get() > 0 && seen == committed.get();
                    });
            Map<String, Double> h = holdout.get();
            double simLift = stats.treatmentLearned().liftOverStatic();
            System.out.printf("online holdout: %s; simulator's lift %.4f; %d labelled requests, %d control served%n",
                    h, simLift, committed.get(), stats.controlRequests());
            assertThat(h.get("controlRequests")).isGreaterThan(500);
            assertThat(h.get("treatmentRequests")).isGreaterThan(4 * h.get("controlRequests") / 2);
            double lift = h.get("lift_r_post");
            double halfWidth = (h.get("lift_r_post_ci_high") - h.get("lift_r_post_ci_low")) / 2;
            assertThat(halfWidth).isPositive().isLessThan(0.25);
            // within the 99.9 % interval (3.29 standard errors; the gauges give the 95 % one, 1.96)
            assertThat(Math.abs(lift - simLift)).as("measured %s vs simulator %s", lift, simLift)
                    .isLessThan(halfWidth * 3.29 / 1.96);
            assertThat(h).containsKeys("lift_ctr", "lift_ctr_ci_low", "lift_ctr_ci_high", "control_r_post",
                    "treatment_r_post");
        }
        client.cancel().get();

        // What a read_committed consumer sees: strictly increasing versions, no duplicate number.
        List<Long> versions = readVersions(broker, policy);
        assertThat(versions).hasSizeGreaterThan(5);
        for (int i = 1; i < versions.size(); i++) {
            assertThat(versions.get(i)).as("version after %s", versions.get(i - 1)).isGreaterThan(versions.get(i - 1));
        }
    }

    private static List<Long> readVersions(EmbeddedKafkaBroker broker, String topic) {
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        List<Long> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            if (new String(r.key(), java.nio.charset.StandardCharsets.UTF_8).endsWith(
                    io.grade.model.policy.PolicyControls.KEY_SUFFIX)) {
                continue; // the control records of the pin and unpin
            }
            DecodeResult<PolicySnapshot> d = codec.decode(r.value());
            assertThat(d.isOk()).as("policy record %d decodes", r.offset()).isTrue();
            out.add(d.value().getVersion());
        }
        return out;
    }

    /** The value of the learner metric whose id ends with {@code grade.learner.<name>} (0 while not reported). */
    private static long learnerMetric(URI metrics, String name) {
        try {
            Matcher id = Pattern.compile("\"id\":\"([^\"]*grade\\.learner\\." + name + ")\"").matcher(get(metrics));
            if (!id.find()) {
                return 0;
            }
            Matcher v = Pattern.compile("\"value\":\"([-0-9.E]+)\"").matcher(get(URI.create(metrics + "?get="
                    + java.net.URLEncoder.encode(id.group(1), java.nio.charset.StandardCharsets.UTF_8))));
            return v.find() ? (long) Double.parseDouble(v.group(1)) : 0;
        } catch (Exception e) {
            return 0; // the dashboard not answering yet counts as not reported
        }
    }

    private static String vertexId(String verticesJson, String name) {
        Matcher m = Pattern.compile("\\{\"id\":\"([0-9a-f]{32})\"[^{}]*?\"name\":\"([^\"]*)\"").matcher(verticesJson);
        while (m.find()) {
            if (m.group(2).contains(name)) {
                return m.group(1);
            }
        }
        throw new AssertionError("no vertex named " + name + " in " + verticesJson);
    }

    private static String get(URI uri) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s", uri).isEqualTo(200);
        return r.body();
    }

    private static void awaitStatus(JobClient client, JobStatus status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (client.getJobStatus().get() != status) {
            assertThat(System.nanoTime()).as("job reaches %s", status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within %s", timeout).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("grade-it-ckpt-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
