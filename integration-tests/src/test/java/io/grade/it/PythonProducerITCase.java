package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grade.jobs.GradeJob;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.LabelledRequestCodec;
import io.grade.schemas.DeadLetter;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.flink.FlinkMiniClusters;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Python producer of {@code examples/python/produce.py} (python3-avro + python3-confluent-kafka)
 * against the real job: first its {@code --check-golden} mode (its encoder writes the golden sample
 * bytes exactly), then it runs as a child process against an in-process broker while the job runs
 * on a MiniCluster (RocksDB, exactly-once checkpoints), with a non-default task list and feature
 * dimension given to both sides. Asserts what a Python user relies on: nothing is dead-lettered,
 * the job joins the events into labelled requests (with feedback, of exactly the ids the producer
 * wrote, for the configured tasks and features) and learns from them: a policy version is published.
 * Skipped, naming the Debian packages, when no {@code python3} with both modules is found
 * ({@link #pythonFoundOrCi()}).
 */
@EnabledIf(value = "pythonFoundOrCi", disabledReason = "no python3 with the modules avro and confluent_kafka "
        + "(python3 on the PATH, /usr/bin/python3 or -Dgrade.python): install the Debian packages python3-avro "
        + "and python3-confluent-kafka to run this test")
class PythonProducerITCase {

    static final Path CHECKPOINTS = tempDir();
    static final Path SCRIPT = Path.of(System.getProperty("basedir", ".")).resolve("../examples/python/produce.py")
            .normalize();
    private static final int REQUESTS = 2_000;
    private static final String TASKS = "ctr;cvr;gpm";
    private static final int FEATURE_DIM = 16;

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMiniClusters.extension(2, CHECKPOINTS, null);

    private static String python;

    /**
     * Finds the interpreter before the broker and the cluster start: the first of
     * {@code -Dgrade.python}, else {@code python3} on the PATH and {@code /usr/bin/python3} (a
     * pyenv or virtualenv {@code python3} may lack the Debian modules) that imports both. On CI
     * ({@code CI=true}) the test runs regardless and fails if none does: {@code .ci/run} installs them.
     */
    static synchronized boolean pythonFoundOrCi() throws Exception {
        if (python == null) {
            List<String> candidates = System.getProperty("grade.python") != null
                    ? List.of(System.getProperty("grade.python")) : List.of("python3", "/usr/bin/python3");
            python = "";
            for (String candidate : candidates) {
                if (run(List.of(candidate, "-c", "import avro.io, avro.schema, confluent_kafka"), Duration.ofSeconds(30))
                        .exitCode() == 0) {
                    python = candidate;
                    break;
                }
            }
        }
        return !python.isEmpty() || "true".equals(System.getenv("CI"));
    }

    @BeforeAll
    static void pythonInstalled() {
        assertThat(python).as("CI installs python3-avro and python3-confluent-kafka (.ci/run)").isNotEmpty();
    }

    @Test
    void pythonEncoderShouldWriteTheGoldenBytes() throws Exception {
        Result check = run(List.of(python, SCRIPT.toString(), "--check-golden"), Duration.ofSeconds(60));
        assertThat(check.exitCode()).as("produce.py --check-golden:%n%s", check.output()).isZero();
        assertThat(check.output()).contains("golden impression-v2.bin: OK", "golden feedback-v1.bin: OK");
    }

    @Test
    void jobShouldJoinAndLearnFromThePythonProducersEventsWithoutADeadLetter() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        JobTopics topics = JobTopics.create(broker);
        GradeJob.Job job = GradeJob.prepare(topics.jobArgs(broker, "py",
                "--tasks", TASKS, "--feedback-tasks", "click:ctr,order:cvr,gmv:gpm", "--binary-tasks", "ctr;cvr",
                "--feature-dim", String.valueOf(FEATURE_DIM), "--attribution-window", "1 min", "--idleness", "2 s",
                "--update-every", "64", "--update-interval", "2 s", "--publish-interval", "2 s",
                "--quality-gate", "false", "--seed", "7"));
        JobClient client = MiniClusterJobs.start(job);

        // 2,000 requests, one simulated second apart: all but about the last minute's close their
        // one-minute attribution window while the producer writes
        Result produced = run(List.of(python, SCRIPT.toString(), "--bootstrap-servers", broker.bootstrapServers(),
                "--impressions-topic", topics.impressions(), "--feedback-topic", topics.feedback(), "--requests", String.valueOf(REQUESTS),
                "--tasks", TASKS, "--feedback-types", "click;order;gmv", "--binary-tasks", "ctr;cvr",
                "--feature-dim", String.valueOf(FEATURE_DIM), "--run-id", "it", "--seed", "5"), Duration.ofMinutes(2));
        assertThat(produced.exitCode()).as("produce.py:%n%s", produced.output()).isZero();
        Matcher counts = Pattern.compile("produced impressions=(\\d+) feedback=(\\d+)").matcher(produced.output());
        assertThat(counts.find()).as("summary line in:%n%s", produced.output()).isTrue();
        assertThat(Long.parseLong(counts.group(1))).isEqualTo(REQUESTS);
        long feedbackEvents = Long.parseLong(counts.group(2));
        assertThat(feedbackEvents).as("feedback events").isGreaterThan(REQUESTS / 4);

        // learned: a policy version is published (read_committed) after updates on labelled requests
        List<PolicySnapshot> snapshots = new ArrayList<>();
        await("a policy version published").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    snapshots.clear();
                    snapshots.addAll(readSnapshots(broker, topics.policy()));
                    return !snapshots.isEmpty();
                });
        List<LabelledRequest> requests = new ArrayList<>();
        await("labelled requests").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    requests.clear();
                    broker.readAll(topics.labelled()).forEach(r -> requests.add(LabelledRequestCodec.decode(r.value())));
                    return requests.size() >= REQUESTS * 9 / 10;
                });
        List<DeadLetter> dead = readDeadLetters(broker, topics.deadLetters());
        client.cancel().get();

        PolicySnapshot last = snapshots.get(snapshots.size() - 1);
        long withFeedback = requests.stream().filter(r -> r.feedbackCount > 0).count();
        System.out.printf("python producer: impressions %d, feedback %d, labelled %d (%d with feedback), "
                        + "policy v%d after %d updates on %d requests, dead letters %d%n",
                REQUESTS, feedbackEvents, requests.size(), withFeedback, last.getVersion(),
                last.getStats().getUpdates(), last.getStats().getRequestsLearned(), dead.size());

        assertThat(dead).as("dead letters (reasons)").extracting(DeadLetter::getReasonCode).isEmpty();
        assertThat(requests).extracting(r -> r.requestId).doesNotHaveDuplicates()
                .allMatch(id -> id.matches("req-it-\\d+"), "request ids written by produce.py");
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.tasks).isEqualTo(3);
            assertThat(r.features).hasSize(FEATURE_DIM);
            assertThat(r.items).isEqualTo(8);
        });
        assertThat(withFeedback).as("labelled requests joined with feedback").isGreaterThan(requests.size() / 4);
        assertThat(last.getVersion()).isGreaterThanOrEqualTo(1);
        assertThat(last.getTaskNames()).containsExactly("ctr", "cvr", "gpm");
        assertThat(last.getFeatureDim()).isEqualTo(FEATURE_DIM);
        assertThat(last.getStats().getRequestsLearned()).as("requests learned").isGreaterThanOrEqualTo(64);
    }

    private static List<PolicySnapshot> readSnapshots(EmbeddedKafkaBroker broker, String topic) {
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        List<PolicySnapshot> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            DecodeResult<PolicySnapshot> d = codec.decode(r.value());
            assertThat(d.isOk()).as("policy record %d decodes: %s", r.offset(), d).isTrue();
            out.add(d.value());
        }
        return out;
    }

    private static List<DeadLetter> readDeadLetters(EmbeddedKafkaBroker broker, String topic) {
        EventCodec<DeadLetter> codec = EventCodec.deadLetters();
        List<DeadLetter> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            out.add(codec.decode(r.value()).value());
        }
        return out;
    }

    /** A child process's exit code and its stdout + stderr. */
    record Result(int exitCode, String output) {}

    private static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("grade-python-", ".log");
        try {
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException notFound) {
                return new Result(-1, notFound.getMessage());
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                return new Result(-1, "timed out after " + timeout + ": " + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("grade-python-ckpt-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
