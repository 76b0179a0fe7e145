package io.grade.cli.demo;

import io.grade.generator.GeneratorStats;
import io.grade.jobs.GradeJob;
import io.grade.schemas.DeadLetter;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The demo's console progress and its summary figures, from the generator, the topics and the REST API. */
public final class DemoFigures {

    private static final Pattern COMPLETED = Pattern.compile("\"completed\"\\s*:\\s*(\\d+)");

    private DemoFigures() {}

    /** One progress line: elapsed, events/s, policy version, served vs static reward of the recent requests. */
    public static String progressLine(GeneratorStats s, JobClient client) {
        GeneratorStats.RewardSummary recent = s.timeline().isEmpty() ? s.overall()
                : s.timeline().get(s.timeline().size() - 1);
        return String.format("[%5.0fs] requests %,d  events/s %,.0f  policy v%d  served R_post %.4f vs static %.4f (%+.1f%%)  oracle %.4f",
                s.elapsedSeconds(), s.requests(), s.eventsPerSecond(), s.currentVersion(), recent.served(),
                recent.staticWeights(), 100 * recent.liftOverStatic(), recent.oracle());
    }

    /** The summary figures of a demo run. */
    public static Map<String, Object> collect(GeneratorStats s, JobClient client, EmbeddedKafkaBroker broker,
                                              GradeJob.Job job, int webPort, double speedup, Instant startEventTime)
            throws Exception {
        long now = System.currentTimeMillis();
        TreeMap<Long, PolicySnapshot> versions = readPolicies(broker, job.learner().policyTopic(), job.learner().modelId());
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("policy_versions", versions.size());
        f.put("policy_version_last", versions.isEmpty() ? 0L : versions.lastKey());
        f.put("requests_learned", versions.isEmpty() ? 0L : versions.lastEntry().getValue().getStats().getRequestsLearned());
        f.put("requests", s.requests());
        f.put("served_reward_first", s.first().served());
        f.put("served_reward_last", s.last().served());
        f.put("static_reward", s.overall().staticWeights());
        f.put("static_reward_last", s.last().staticWeights());
        f.put("oracle_reward", s.overall().oracle());
        f.put("lift_over_static_last", s.last().liftOverStatic());
        f.put("events_per_s", s.eventsPerSecond());
        Map<String, Long> reasons = deadLetterReasons(broker, job.join().deadLetterTopic());
        f.put("dead_letters", reasons.values().stream().mapToLong(Long::longValue).sum());
        reasons.forEach((reason, n) -> f.put("dead_letters_" + reason, n));
        f.put("checkpoints_completed", completedCheckpoints(webPort, client));
        double[] fresh = freshness(s, versions, now, speedup, startEventTime, job.join().maxWindowMs());
        f.put("freshness_ms_p50", percentile(fresh, 0.50));
        f.put("freshness_ms_p99", percentile(fresh, 0.99));
        f.put("freshness_note", "wall ms from the attribution-window close of the newest request a version learned "
                + "from to that version being accepted by the serving client (generator clock: event time / speedup)");
        return f;
    }

    /**
     * Per published version v: acceptedAt(v) minus the wall time at which the window of the newest
     * request v learned from closed. The generator maps event time to wall time linearly
     * (wall = start + (event - startEvent) / speedup), which holds while it keeps its schedule.
     */
    static double[] freshness(GeneratorStats s, TreeMap<Long, PolicySnapshot> versions, long nowMillis,
                              double speedup, Instant startEventTime, long windowMs) {
        long wallStart = nowMillis - Math.round(s.elapsedSeconds() * 1000);
        List<Double> out = new ArrayList<>();
        for (GeneratorStats.PolicyArrival a : s.policies()) {
            PolicySnapshot v = versions.get(a.version());
            if (v == null || a.acceptedAt() == null) {
                continue;
            }
            long closeEvent = v.getTrainedThrough().toEpochMilli() + windowMs;
            double closeWall = wallStart + (closeEvent - startEventTime.toEpochMilli()) / speedup;
            out.add(a.acceptedAt().toEpochMilli() - closeWall);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double percentile(double[] v, double q) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    /** Every committed version of the model on the policy topic. */
    static TreeMap<Long, PolicySnapshot> readPolicies(EmbeddedKafkaBroker broker, String topic, String modelId) {
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        TreeMap<Long, PolicySnapshot> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            DecodeResult<PolicySnapshot> d = codec.decode(r.value());
            if (d.isOk() && d.value().getModelId().equals(modelId)) {
                out.put(d.value().getVersion(), d.value());
            }
        }
        return out;
    }

    /** Dead letters on the topic by reason code (late and orphaned feedback are dead letters too). */
    static Map<String, Long> deadLetterReasons(EmbeddedKafkaBroker broker, String topic) {
        EventCodec<DeadLetter> codec = EventCodec.deadLetters();
        Map<String, Long> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            DecodeResult<DeadLetter> d = codec.decode(r.value());
            out.merge(d.isOk() ? d.value().getReasonCode() : "UNDECODABLE", 1L, Long::sum);
        }
        return out;
    }

    /** Completed checkpoints from the dashboard's REST API ({@code /jobs/:id/checkpoints}). */
    static long completedCheckpoints(int webPort, JobClient client) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + webPort + "/jobs/" + client.getJobID() + "/checkpoints"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = COMPLETED.matcher(r.body());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
