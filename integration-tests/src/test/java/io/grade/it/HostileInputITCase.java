package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.generator.MalformedKind;
import io.grade.jobs.GradeJob;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.LabelledRequestCodec;
import io.grade.schemas.DeadLetter;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.flink.FlinkMiniClusters;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hostile half of the fuzz campaign (issue 12, item 8): the whole job as {@link GradeJob}
 * builds it (RocksDB, exactly-once checkpoints, learner) on a MiniCluster and a real broker at its
 * default message-size limits, live closed-loop traffic from the generator, and in the middle of it
 * at least 10,000 hostile records of every kind the product handles ({@link MalformedKind}), drawn
 * by weight. Asserts what a user relies on: the job never restarts; every hostile record is in
 * the dead-letter topic ({@code read_committed}) exactly once with its kind's reason, or, for the
 * duplicates, counted by the join's deduplication; no good record is dead-lettered for a source
 * reason; no hostile impression reaches the labelled requests; and learning goes on: versions rise
 * during and after the hostile phase, and the share of labelled requests with feedback does not
 * fall below its level before it (by more than {@link #SHARE_TOLERANCE}). Prints the counts as one {@code hostile-campaign:} line.
 */
class HostileInputITCase {

    static final Path CHECKPOINTS = tempDir();

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMiniClusters.extension(2, CHECKPOINTS, null);

    private static final double SPEEDUP = 180; // 3 simulated hours per wall minute
    private static final double RATE = 250;
    private static final long SEED = 23;
    private static final int HOSTILE_RECORDS = 10_000;
    private static final double HOSTILE_RATE = 0.5;
    /** Requests per phase before and after the hostile one (about 24 s of wall time each). */
    private static final int CLEAN_REQUESTS = 6_000;
    /**
     * How far the share of labelled requests with feedback may fall below its level before the
     * hostile phase (absolute). With ~6,000 requests a phase and a share near 0.72, its standard
     * error is about 0.006. It may rise instead, by up to {@link #SHARE_RISE}: the policy learns to
     * rank what users click (measured 0.719 before, 0.754 during, 0.773 after). A poisoned
     * watermark drives it to 0 (issue 12: 100 % of requests closed without feedback).
     */
    private static final double SHARE_TOLERANCE = 0.03;
    private static final double SHARE_RISE = 0.10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldDeadLetterEveryHostileRecordOnceWithoutARestartAndKeepLearning(@InjectClusterRESTAddress URI rest)
            throws Exception {
        long t0 = System.nanoTime();
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String bs = broker.bootstrapServers();
        String suffix = EmbeddedKafkaBroker.uniqueTopic("");
        String impressions = "impressions" + suffix;
        String feedback = "feedback" + suffix;
        String policy = "policy" + suffix;
        String deadLetters = "dead-letters" + suffix;
        String labelled = "labelled" + suffix;
        broker.createTopic(impressions, 2);
        broker.createTopic(feedback, 2);
        broker.createTopic(deadLetters, 1);
        broker.createTopic(labelled, 1);

        GradeJob.Job job = GradeJob.prepare(new String[] {
            "--bootstrap-servers", bs,
            "--impressions-topic", impressions, "--feedback-topic", feedback, "--policy-topic", policy,
            "--dead-letter-topic", deadLetters, "--labelled-requests-topic", labelled,
            "--transactional-id-prefix", "hostile" + suffix, "--group-id", "hostile" + suffix,
            "--checkpoint-interval", "2 s", "--transaction-timeout", "2 min",
            "--out-of-orderness", "60 s", "--idleness", "2 s",
            "--update-every", "128", "--update-interval", "5 s", "--publish-interval", "2 s",
            "--holdout-share", "0.1", "--gate-min-requests", "100",
            // the event-time guard as a simulation running ahead of the wall clock needs it: measured
            // from the highest event time accepted, and 1971 is out of range behind it
            "--event-time-reference", "MAX_ACCEPTED", "--max-event-time-behind", "6 h",
            "--seed", "7"});
        JobClient client = MiniClusterJobs.start(job);
        String jobPath = "/jobs/" + client.getJobID();

        Set<MalformedKind> kinds = handledKinds();
        Map<String, MalformedKind> hostile = new ConcurrentHashMap<>();
        GeneratorConfig gen = GeneratorConfig.builder(bs)
                .impressionsTopic(impressions).feedbackTopic(feedback).policyTopic(policy)
                .modelId(job.learner().modelId())
                .rate(RATE).speedup(SPEEDUP).seed(SEED).worldSeed(3)
                // event time starts at the wall clock (the guard's reference) and runs 180 times faster
                .malformedRate(0).malformedKinds(kinds)
                .oracleEvery(0)
                .build();
        long hostileFrom;
        long hostileTo;
        long versionBefore;
        long versionAfterHostile;
        long versionAtEnd;
        double hostileSeconds;
        try (EventGenerator generator = new EventGenerator(gen,
                (kind, topic, partition, offset) -> hostile.put(topic + "/" + partition + "/" + offset, kind))) {
            generator.start();
            // clean traffic until the learner has published
            await("clean phase").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .failFast(() -> generator.failure() != null)
                    .until(() -> generator.stats().requests() >= CLEAN_REQUESTS && generator.stats().currentVersion() >= 2);
            versionBefore = generator.stats().currentVersion();
            hostileFrom = generator.stats().requests();
            long h0 = System.nanoTime();
            generator.malformedRate(HOSTILE_RATE);
            await("hostile phase").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                    .failFast(() -> generator.failure() != null)
                    .until(() -> hostile.size() >= HOSTILE_RECORDS);
            generator.malformedRate(0);
            hostileTo = generator.stats().requests();
            hostileSeconds = (System.nanoTime() - h0) / 1e9;
            versionAfterHostile = generator.stats().currentVersion();
            // clean traffic again, until a version learned after the hostile phase is served
            await("clean phase after").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .failFast(() -> generator.failure() != null)
                    .until(() -> generator.stats().requests() >= hostileTo + CLEAN_REQUESTS
                            && generator.stats().currentVersion() > versionAfterHostile);
            versionAtEnd = generator.stats().currentVersion();
            generator.stop();
            assertThat(generator.failure()).isNull();
            assertThat(generator.stats().malformedEvents()).isEqualTo(hostile.size());
        }
        Map<MalformedKind, Long> sent = new EnumMap<>(MalformedKind.class);
        hostile.values().forEach(k -> sent.merge(k, 1L, Long::sum));
        assertThat(hostile).hasSizeGreaterThanOrEqualTo(HOSTILE_RECORDS);
        assertThat(sent.keySet()).as("every handled kind was sent").isEqualTo(kinds);
        assertThat(kinds).hasSizeGreaterThanOrEqualTo(25);

        // Every dead-lettered hostile record is in the dead-letter topic once, with its kind's reason.
        Map<String, MalformedKind> expected = hostile.entrySet().stream().filter(e -> !e.getValue().deduplicated())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        DeadLetterReader dlq = new DeadLetterReader(broker, deadLetters);
        try (dlq) {
            await("every hostile record dead-lettered").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        dlq.poll();
                        return dlq.byCoordinates.keySet().containsAll(expected.keySet());
                    });
            dlq.readToEnd();
        }
        Map<DeadLetterReason, Long> hostileByReason = new EnumMap<>(DeadLetterReason.class);
        Map<DeadLetterReason, Long> goodByReason = new EnumMap<>(DeadLetterReason.class);
        List<String> wrongReason = new ArrayList<>();
        long duplicated = 0;
        for (Map.Entry<String, List<DeadLetterReason>> e : dlq.byCoordinates.entrySet()) {
            MalformedKind kind = hostile.get(e.getKey());
            duplicated += e.getValue().size() - 1;
            for (DeadLetterReason reason : e.getValue()) {
                if (kind == null) {
                    goodByReason.merge(reason, 1L, Long::sum);
                } else {
                    hostileByReason.merge(reason, 1L, Long::sum);
                    if (!reason.name().equals(kind.deadLetterReason())) {
                        wrongReason.add(kind + " at " + e.getKey() + " got " + reason);
                    }
                }
            }
        }
        long lost = expected.keySet().stream().filter(c -> !dlq.byCoordinates.containsKey(c)).count();
        long goodAtSource = goodByReason.entrySet().stream().filter(e -> e.getKey().rejectedAtSource())
                .mapToLong(Map.Entry::getValue).sum();

        // The duplicates are not dead letters: the join drops them and counts them, exactly.
        long dupImpressions = sent.getOrDefault(MalformedKind.DUPLICATE_IMPRESSION, 0L);
        long dupFeedback = sent.getOrDefault(MalformedKind.DUPLICATE_FEEDBACK, 0L);
        String joinVertex = vertexId(get(rest.resolve(jobPath)), "session-join");
        await("duplicate counters").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .until(() -> sumOf(rest, jobPath, joinVertex, "grade.join.duplicateImpressions") == dupImpressions
                        && sumOf(rest, jobPath, joinVertex, "grade.join.duplicateFeedback") == dupFeedback);

        long restarts = get(rest.resolve(jobPath + "/metrics?get=numRestarts")).path(0).path("value").asLong(-1);
        JsonNode exceptions = get(rest.resolve(jobPath + "/exceptions")).path("exceptionHistory").path("entries");
        JobStatus status = client.getJobStatus().get();

        // Learning: labelled requests by phase, and the policy versions a read_committed reader sees.
        Map<String, double[]> share = feedbackShare(broker, labelled, hostileFrom, hostileTo);
        List<Long> versions = readVersions(broker, policy);
        client.cancel().get();
        double seconds = (System.nanoTime() - t0) / 1e9;

        System.out.printf("hostile-campaign: seconds=%.0f hostile_seconds=%.0f kinds=%d sent=%d sent_by_kind=%s "
                        + "dead_lettered_by_reason=%s good_dead_lettered_by_reason=%s deduplicated=%d lost=%d duplicated=%d "
                        + "wrong_reason=%d good_at_source=%d restarts=%d status=%s exceptions=%d "
                        + "share_pre=%.4f share_hostile=%.4f share_post=%.4f labelled=%s versions=%d/%d/%d "
                        + "not_yet_handled=%s%n",
                seconds, hostileSeconds, kinds.size(), hostile.size(), new TreeMap<>(sent), hostileByReason, goodByReason,
                dupImpressions + dupFeedback, lost, duplicated, wrongReason.size(), goodAtSource, restarts, status,
                exceptions.size(), share.get("pre")[0], share.get("hostile")[0], share.get("post")[0],
                share.values().stream().map(s -> String.valueOf((long) s[1])).collect(Collectors.joining("/")),
                versionBefore, versionAfterHostile, versionAtEnd,
                EnumSet.complementOf(EnumSet.copyOf(kinds)));

        assertThat(restarts).as("job restarts (exceptions: %s)", exceptions).isZero();
        assertThat(exceptions).as("exception history").isEmpty();
        assertThat(status).isEqualTo(JobStatus.RUNNING);
        assertThat(wrongReason).as("hostile records with another reason").isEmpty();
        assertThat(lost).as("hostile records missing from the dead-letter topic").isZero();
        assertThat(duplicated).as("dead letters written twice").isZero();
        assertThat(goodAtSource).as("good records dead-lettered for a source reason: %s", goodByReason).isZero();

        assertThat(versionAfterHostile).as("versions rise during the hostile phase").isGreaterThan(versionBefore);
        assertThat(versionAtEnd).as("and after it").isGreaterThan(versionAfterHostile);
        for (int i = 1; i < versions.size(); i++) {
            assertThat(versions.get(i)).as("version after %s", versions.get(i - 1)).isGreaterThan(versions.get(i - 1));
        }
        for (String phase : List.of("pre", "hostile", "post")) {
            assertThat(share.get(phase)[1]).as("labelled requests of phase %s", phase).isGreaterThan(1_000);
        }
        double pre = share.get("pre")[0];
        assertThat(pre).as("share with feedback before").isBetween(0.05, 0.95);
        assertThat(share.get("hostile")[0]).as("share with feedback in the hostile phase")
                .isBetween(pre - SHARE_TOLERANCE, pre + SHARE_RISE);
        assertThat(share.get("post")[0]).as("share with feedback after")
                .isBetween(pre - SHARE_TOLERANCE, pre + SHARE_RISE);
    }

    /**
     * The kinds whose reason the product has ({@link DeadLetterReason}) plus the duplicates: a
     * kind whose reason does not exist yet (bounded decoding, issue 12 items 1-3) is left out.
     */
    private static Set<MalformedKind> handledKinds() {
        Set<String> reasons = Arrays.stream(DeadLetterReason.values()).map(Enum::name).collect(Collectors.toSet());
        Set<MalformedKind> out = EnumSet.noneOf(MalformedKind.class);
        for (MalformedKind k : MalformedKind.values()) {
            if (k.deduplicated() || reasons.contains(k.deadLetterReason())) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * Share of labelled requests with at least one feedback event, and their number, per phase:
     * requests issued before the hostile phase, during it, after it (by the request index in the id).
     */
    private static Map<String, double[]> feedbackShare(EmbeddedKafkaBroker broker, String topic, long from, long to) {
        Map<String, long[]> counts = new java.util.LinkedHashMap<>();
        for (String p : List.of("pre", "hostile", "post")) {
            counts.put(p, new long[2]);
        }
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            LabelledRequest l = LabelledRequestCodec.decode(r.value());
            assertThat(l.requestId).as("only generated requests are labelled").matches("r[0-9a-z]+-[0-9]+");
            long index = Long.parseLong(l.requestId.substring(l.requestId.lastIndexOf('-') + 1));
            long[] c = counts.get(index < from ? "pre" : index < to ? "hostile" : "post");
            c[0] += l.feedbackCount > 0 ? 1 : 0;
            c[1]++;
        }
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        counts.forEach((p, c) -> out.put(p, new double[] {c[1] == 0 ? Double.NaN : (double) c[0] / c[1], c[1]}));
        return out;
    }

    /** Reads the dead-letter topic read_committed, accumulating the reasons per source coordinates. */
    private static final class DeadLetterReader implements AutoCloseable {
        final Map<String, List<DeadLetterReason>> byCoordinates = new HashMap<>();
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<TopicPartition> partitions;
        private final EventCodec<DeadLetter> codec = EventCodec.deadLetters();

        DeadLetterReader(EmbeddedKafkaBroker broker, String topic) {
            consumer = new KafkaConsumer<>(broker.consumerProperties("reader-" + topic));
            partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(400))) {
                DecodeResult<DeadLetter> d = codec.decode(r.value());
                assertThat(d.isOk()).as("dead letter at %d decodes: %s", r.offset(), d).isTrue();
                DeadLetter l = d.value();
                byCoordinates.computeIfAbsent(l.getSourceTopic() + "/" + l.getPartition() + "/" + l.getOffset(),
                        k -> new ArrayList<>()).add(DeadLetterReason.valueOf(l.getReasonCode()));
            }
        }

        /** Polls until the committed end offsets of now. */
        void readToEnd() {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await("dead-letter topic read to its end").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        poll();
                        return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
                    });
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private static List<Long> readVersions(EmbeddedKafkaBroker broker, String topic) {
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        List<Long> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            DecodeResult<PolicySnapshot> d = codec.decode(r.value());
            assertThat(d.isOk()).as("policy record %d decodes", r.offset()).isTrue();
            out.add(d.value().getVersion());
        }
        return out;
    }

    /** Sum over the subtasks of the vertex of the operator metric whose name ends with {@code suffix}. */
    private static long sumOf(URI rest, String jobPath, String vertex, String suffix) throws Exception {
        String base = jobPath + "/vertices/" + vertex + "/subtasks/metrics";
        String id = null;
        for (JsonNode m : get(rest.resolve(base))) {
            if (m.path("id").asText().endsWith(suffix)) {
                id = m.path("id").asText();
            }
        }
        if (id == null) {
            return -1; // not reported yet
        }
        JsonNode v = get(rest.resolve(base + "?agg=sum&get=" + URLEncoder.encode(id, StandardCharsets.UTF_8)));
        return v.path(0).has("sum") ? (long) v.path(0).path("sum").asDouble() : -1;
    }

    private static String vertexId(JsonNode job, String name) {
        for (JsonNode v : job.path("vertices")) {
            if (v.path("name").asText().contains(name)) {
                return v.path("id").asText();
            }
        }
        throw new AssertionError("no vertex named " + name + " in " + job);
    }

    private static JsonNode get(URI uri) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", uri, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("grade-hostile-ckpt-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
