package io.grade.cli.demo;

import io.grade.generator.GeneratorStats;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;

/**
 * The online holdout's evidence as the running job reports it: the gauges of group
 * {@code grade.holdout} read from the dashboard's REST API (what a user's monitoring would read),
 * next to the simulator's true lift of the same requests.
 */
public final class HoldoutFigures {

    private static final String GROUP = ".grade.holdout.";
    private static final Pattern VERTEX = Pattern.compile("\\{\"id\":\"([0-9a-f]{32})\"[^{}]*?\"name\":\"([^\"]*)\"");
    private static final Pattern METRIC_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]*\\.grade\\.holdout\\.[^\"]+)\"");
    private static final Pattern METRIC_VALUE =
            Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"value\"\\s*:\\s*\"([^\"]*)\"");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private HoldoutFigures() {}

    /**
     * The holdout gauges of the job's operator {@code online holdout}, by metric name (for example
     * {@code lift_r_post}, {@code lift_r_post_ci_low}, {@code controlRequests}); empty while the
     * operator has not reported yet.
     */
    public static Map<String, Double> read(int webPort, JobID job) throws Exception {
        return read(URI.create("http://localhost:" + webPort + "/"), job);
    }

    /** {@link #read(int, JobID)} from the REST API at {@code rest}. */
    public static Map<String, Double> read(URI rest, JobID job) throws Exception {
        String base = rest.resolve("/jobs/" + job).toString();
        String vertex = null;
        Matcher v = VERTEX.matcher(get(base));
        while (v.find()) {
            if (v.group(2).contains("online holdout")) {
                vertex = v.group(1);
            }
        }
        if (vertex == null) {
            return Map.of();
        }
        String metrics = base + "/vertices/" + vertex + "/metrics";
        List<String> ids = new ArrayList<>();
        Matcher m = METRIC_ID.matcher(get(metrics));
        while (m.find()) {
            ids.add(URLEncoder.encode(m.group(1), StandardCharsets.UTF_8));
        }
        Map<String, Double> out = new TreeMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        Matcher values = METRIC_VALUE.matcher(get(metrics + "?get=" + String.join(",", ids)));
        while (values.find()) {
            String id = values.group(1);
            String name = id.substring(id.indexOf(GROUP) + GROUP.length());
            try {
                out.put(name, Double.parseDouble(values.group(2)));
            } catch (NumberFormatException e) {
                out.put(name, Double.NaN);
            }
        }
        return out;
    }

    /** The summary keys: {@code lift_<metric>} with {@code _ci_low} / {@code _ci_high}, counts, and the simulator's. */
    public static Map<String, Object> summary(Map<String, Double> gauges, GeneratorStats s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("holdout_treatment_requests", gauges.getOrDefault("treatmentRequests", 0.0).longValue());
        f.put("holdout_control_requests", gauges.getOrDefault("controlRequests", 0.0).longValue());
        gauges.forEach((name, value) -> {
            if (name.startsWith("lift_") || name.startsWith("treatment_") || name.startsWith("control_")) {
                f.put(name, value);
            }
        });
        double sim = s.treatmentLearned().liftOverStatic();
        f.put("sim_lift_r_post", sim);
        Double low = gauges.get("lift_r_post_ci_low");
        Double high = gauges.get("lift_r_post_ci_high");
        f.put("sim_lift_r_post_within_ci", low != null && high != null && sim >= low && sim <= high);
        f.put("holdout_note", "lift_* = treatment (learned policy) over control (static weights, the serving client's "
                + "control share of users) from the users' feedback, 95 % interval, since the first learned version "
                + "was served; sim_lift_r_post = the simulator's true lift on the same treatment requests: their realised "
                + "R_post over the R_post of the same users' response to the static ranking, drawn with the same random numbers");
        return f;
    }

    /** The progress line's part: {@code A/B lift R_post +4.1% [+1.2, +7.0] (sim +4.5%)}, or "" before there is one. */
    public static String progress(Map<String, Double> gauges, GeneratorStats s) {
        Double lift = gauges.get("lift_r_post");
        if (lift == null || lift.isNaN()) {
            return "";
        }
        return String.format("  A/B lift R_post %+.1f%% [%+.1f, %+.1f] (sim %+.1f%%)", 100 * lift,
                100 * gauges.getOrDefault("lift_r_post_ci_low", Double.NaN),
                100 * gauges.getOrDefault("lift_r_post_ci_high", Double.NaN),
                100 * s.treatmentLearned().liftOverStatic());
    }

    private static String get(String uri) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + ": HTTP " + r.statusCode());
        }
        return r.body();
    }
}
