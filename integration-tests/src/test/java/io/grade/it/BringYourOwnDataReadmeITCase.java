package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grade.cli.ClusterState;
import io.grade.cli.GradeCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * README "Bring your own data", command by command as a user types them: {@code grade cluster start}
 * (a child process, as in terminal 1: Kafka, a standalone Flink cluster), then {@code grade replay},
 * {@code grade stage1}, {@code grade cluster submit -- --stage1-snapshot ...} with the README's
 * flags, and {@code grade policy list} until it shows the job's first version, v2.
 * {@link BringYourOwnLogITCase} checks what that version is worth; this one checks that the
 * walkthrough's commands and flags work together on the launcher's own cluster.
 */
class BringYourOwnDataReadmeITCase {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void readmeWalkthroughShouldPublishTheJobsFirstVersion(@TempDir Path dir) throws Exception {
        // the launcher finds the job jar and the ND4J lib jar of this checkout (mvn verify builds them)
        System.setProperty("grade.home", ROOT.toString());
        Path work = dir.resolve("cluster");
        int webPort;
        try (ServerSocket s = new ServerSocket(0)) {
            webPort = s.getLocalPort();
        }
        // terminal 1: ./grade cluster start (its own JVM: `cluster stop` ends the launcher it records)
        List<String> start = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dgrade.home=" + ROOT, GradeCli.class.getName(),
                "cluster", "start", "--web-port", String.valueOf(webPort), "--work-dir", work.toString()));
        Path startLog = dir.resolve("cluster-start.log");
        Process cluster = new ProcessBuilder(start).redirectErrorStream(true).redirectOutput(startLog.toFile()).start();
        try {
            String kafka = await("cluster start: Kafka address in " + work).atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        assertThat(cluster.isAlive()).as("cluster start is running: %s", log(startLog)).isTrue();
                        Optional<ClusterState> state = ClusterState.read(work);
                        return state.flatMap(ClusterState::kafka).orElse(null);
                    }, k -> k != null);
            await("cluster start: ready").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .until(() -> log(startLog).contains("submit the job with"));

            // terminal 2, as the README has it
            String sample = ROOT.resolve("examples/data/sample-requests.jsonl").toString();
            assertThat(grade("replay", "--input", sample, "--bootstrap-servers", kafka).code()).isZero();
            Path snapshot = dir.resolve("stage1.snapshot");
            assertThat(grade("stage1", "--input", sample, "--out", snapshot.toString(),
                    "--summary-json", dir.resolve("stage1.json").toString()).code()).isZero();
            Run submit = grade("cluster", "submit", "--work-dir", work.toString(), "--", "--stage1-snapshot",
                    snapshot.toString(), "--update-every", "128", "--holdout-share", "0.1", "--gate-min-requests", "50");
            assertThat(submit.code()).as("cluster submit: %s", submit.err()).isZero();

            String list = await("policy list shows v2").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> grade("policy", "list", "--bootstrap-servers", kafka).out(),
                            out -> out.lines().anyMatch(l -> l.startsWith("v2 ")));
            System.out.println(list);
            assertThat(list).contains("control: none");
        } finally {
            Run stop = grade("cluster", "stop", "--work-dir", work.toString());
            System.out.println("cluster stop: " + stop.code() + " " + stop.err());
            if (!cluster.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                cluster.destroyForcibly();
            }
        }
    }

    private record Run(int code, String out, String err) {}

    private static Run grade(String... args) {
        CommandLine cli = GradeCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String log(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
