package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.testkit.cluster.FlinkRestClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Bad options of {@code grade cluster} and {@code grade generate} are usage errors: exit code 2,
 * a line naming the option, no stack trace, and nothing started (no work directory, no broker, no
 * JobManager). Also the choice of {@code --from-checkpoint latest} and the state file's broker.
 */
class ClusterCommandTest {

    private record Result(int code, String err) {}

    private static Result execute(String... args) {
        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        return new Result(cli.execute(args), err.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--slots | 0 | --slots must be at least 1, got 0",
            "--web-port | 99999 | --web-port must be in 1..65535 (or 0 for any free port), got 99999",
            "--web-port | -1 | --web-port must be in",
            "--taskmanagers | 0 | --taskmanagers must be in 1..16, got 0",
            "--taskmanagers | 17 | --taskmanagers must be in 1..16, got 17",
            "--zookeeper | localhost | --zookeeper must be host:port",
            "--nd4j-lib | /no/such/nd4j-lib.jar | --nd4j-lib /no/such/nd4j-lib.jar: no such file",
    })
    void clusterStartShouldRejectABadOptionBeforeStartingAnything(String flag, String value, String message,
                                                                  @TempDir Path dir) {
        Path work = dir.resolve("work");
        long start = System.nanoTime();
        Result r = execute("cluster", "start", "--work-dir", work.toString(), flag, value);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("grade cluster start: " + message).doesNotContain("Exception", "\tat ");
        assertThat(r.err().lines().count()).as("lines of %s", r.err()).isLessThanOrEqualTo(2);
        assertThat(work).as("nothing was started, not even the work directory").doesNotExist();
        assertThat(System.nanoTime() - start).as("no broker or JobManager start was waited for").isLessThan(10_000_000_000L);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--malformed-rate | 2 | --malformed-rate must be in [0, 1], got 2.0",
            "--users | 0 | --users must be >= 1",
            "--session-gap | PT0S | --session-gap must be > 0",
            "--oracle-every | -1 | --oracle-every must be >= 0",
    })
    void generateShouldRejectASemanticErrorInOneLine(String flag, String value, String message) {
        Result r = execute("generate", "--bootstrap-servers", "127.0.0.1:1", flag, value);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("grade generate: " + message).doesNotContain("Exception", "\tat ");
        assertThat(r.err().lines().count()).as("lines of %s", r.err()).isLessThanOrEqualTo(2);
    }

    @Test
    void submitShouldRejectABadJobFlagNamingIt(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("job.jar"), "not uploaded");
        Process alive = new ProcessBuilder("sleep", "60").start();
        try {
            Map<String, ProcessHandle> roles = new LinkedHashMap<>();
            roles.put(ClusterState.LAUNCHER, alive.toHandle());
            // a dashboard nobody listens on: the flags must be rejected before any request
            ClusterState.of(roles, "http://127.0.0.1:9", "127.0.0.1:9").write(dir);
            Result r = execute("cluster", "submit", "--work-dir", dir.toString(), "--jar", jar.toString(),
                    "--", "--group-size", "1");
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("option '--group-size' must be >= 2, got 1").doesNotContain("\tat ");
            assertThat(ClusterState.read(dir).orElseThrow().kafka()).contains("127.0.0.1:9");

            r = execute("cluster", "submit", "--work-dir", dir.toString(), "--jar", jar.toString(),
                    "--from-checkpoint", "latest");
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("--from-checkpoint latest: no complete checkpoint under");
        } finally {
            alive.destroyForcibly();
        }
    }

    @Test
    void latestCheckpointShouldBeTheNewestCompleteOneOverAllJobs(@TempDir Path dir) throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        Path older = metadata(checkpoints.resolve("a1/chk-30"), "2026-01-01T10:00:00Z");
        Path newest = metadata(checkpoints.resolve("b2/chk-4"), "2026-01-01T10:05:00Z");
        Files.createDirectories(checkpoints.resolve("b2/chk-5")); // in progress: no _metadata yet
        Files.createDirectories(checkpoints.resolve("b2/shared"));
        assertThat(older).exists();
        assertThat(FlinkRestClient.latestCheckpoint(checkpoints)).contains(newest);
        assertThat(FlinkRestClient.latestCheckpoint(dir.resolve("none"))).isEmpty();
    }

    private static Path metadata(Path chk, String time) throws Exception {
        Path m = Files.writeString(Files.createDirectories(chk).resolve("_metadata"), "x");
        Files.setLastModifiedTime(m, FileTime.from(Instant.parse(time)));
        return chk;
    }
}
