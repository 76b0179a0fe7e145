package io.grade.testkit.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What {@code flink run}, {@code flink cancel} and {@code flink list} do, through a session
 * cluster's REST API (no Flink CLI needed): upload a jar, run it with program arguments and
 * optionally a savepoint or retained checkpoint to restore, cancel, list. Used by {@code ./grade
 * cluster submit|cancel} and the cluster ITCase.
 */
public final class FlinkRestClient {

    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-(\\d+)");

    private final URI rest;
    private final HttpClient http = HttpClient.newHttpClient();

    public FlinkRestClient(URI rest) {
        this.rest = rest;
    }

    /** Uploads a job jar; returns its id on the cluster. */
    public String upload(Path jar) throws IOException, InterruptedException {
        String boundary = "grade-" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(rest.resolve("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(jar), HttpRequest.BodyPublishers.ofByteArray(tail)))
                .timeout(Duration.ofMinutes(3)).build();
        String body = send(req);
        return Path.of(field(body, "filename")).getFileName().toString();
    }

    /**
     * Runs an uploaded jar ({@code flink run -d [-s restorePath]}); returns the job id.
     *
     * @param restorePath a savepoint or retained checkpoint directory to start from, or null
     */
    public String run(String jarId, List<String> args, String restorePath, boolean allowNonRestoredState)
            throws IOException, InterruptedException {
        String list = args.stream().map(a -> "\"" + a.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(","));
        String body = "{\"programArgsList\":[" + list + "]"
                + (restorePath == null ? "" : ",\"savepointPath\":\"" + restorePath.replace("\\", "\\\\") + "\"")
                + (allowNonRestoredState ? ",\"allowNonRestoredState\":true" : "") + "}";
        return field(send(json("/jars/" + jarId + "/run", "POST", body)), "jobid");
    }

    /** Cancels a job ({@code flink cancel}); with the job's default retention its last checkpoint stays. */
    public void cancel(String jobId) throws IOException, InterruptedException {
        send(json("/jobs/" + jobId + "?mode=cancel", "PATCH", null));
    }

    /** Ids of the jobs that are not finished, failed or cancelled. */
    public List<String> activeJobs() throws IOException, InterruptedException {
        String body = get("/jobs/overview");
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"jid\"\\s*:\\s*\"([0-9a-f]{32})\"[^{}]*?\"state\"\\s*:\\s*\"([A-Z_]+)\"").matcher(body);
        while (m.find()) {
            if (!List.of("FINISHED", "FAILED", "CANCELED").contains(m.group(2))) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** The state of a job (RUNNING, RESTARTING, ...). */
    public String state(String jobId) throws IOException, InterruptedException {
        return field(get("/jobs/" + jobId), "state");
    }

    /** GET a path; the status must be 2xx. */
    public String get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(20)).build());
    }

    /**
     * The newest retained checkpoint under a cluster's checkpoint directory
     * ({@code execution.checkpointing.dir}, laid out as {@code <job id>/chk-<n>/_metadata}): the
     * complete one (with its {@code _metadata}) written last, over all jobs.
     */
    public static Optional<Path> latestCheckpoint(Path checkpointsDir) throws IOException {
        if (!Files.isDirectory(checkpointsDir)) {
            return Optional.empty();
        }
        try (Stream<Path> jobs = Files.list(checkpointsDir)) {
            List<Path> candidates = new ArrayList<>();
            for (Path job : jobs.filter(Files::isDirectory).toList()) {
                try (Stream<Path> chks = Files.list(job)) {
                    chks.filter(d -> CHECKPOINT_DIR.matcher(d.getFileName().toString()).matches())
                            .filter(d -> Files.isRegularFile(d.resolve("_metadata")))
                            .forEach(candidates::add);
                }
            }
            return candidates.stream().max(Comparator.comparing(FlinkRestClient::metadataTime)
                    .thenComparing(d -> Long.parseLong(d.getFileName().toString().substring(4))));
        }
    }

    private static long metadataTime(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata")).toMillis();
        } catch (IOException gone) {
            return Long.MIN_VALUE;
        }
    }

    private HttpRequest json(String path, String method, String body) {
        return HttpRequest.newBuilder(rest.resolve(path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofMinutes(3)).build();
    }

    private String send(HttpRequest req) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() < 200 || r.statusCode() > 299) {
            throw new IOException(req.method() + " " + req.uri().getPath() + " -> " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** A string field of a JSON body. */
    public static String field(String json, String name) throws IOException {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IOException("no " + name + " in " + json);
        }
        return m.group(1);
    }
}
