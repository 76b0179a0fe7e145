package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code grade cluster stop} on real processes (long sleeps standing in for the launcher, the
 * JobManager and the TaskManager): it stops what {@code start} recorded, only while pid and start
 * time still match, and {@code start} refuses to start a second cluster over a live one.
 */
class ClusterStateTest {

    private final List<Process> spawned = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        spawned.forEach(Process::destroyForcibly);
    }

    private Process spawn(String... command) throws IOException {
        Process p = new ProcessBuilder(command).start();
        spawned.add(p);
        return p;
    }

    private Process sleeper() throws IOException {
        return spawn("sleep", "300");
    }

    private static int execute(String... args) {
        CommandLine cli = GradeCli.commandLine();
        cli.setErr(new PrintWriter(new StringWriter()));
        return cli.execute(args);
    }

    @Test
    void stopShouldStopEveryRecordedProcessAndDeleteTheStateFile(@TempDir Path dir) throws Exception {
        Process launcher = sleeper();
        Process jm = sleeper();
        Process tm = sleeper();
        Process bystander = sleeper();
        Map<String, ProcessHandle> roles = new LinkedHashMap<>();
        roles.put(ClusterState.LAUNCHER, launcher.toHandle());
        roles.put("jobmanager", jm.toHandle());
        roles.put("taskmanager", tm.toHandle());
        ClusterState.of(roles, "http://localhost:8081").write(dir);

        ClusterState read = ClusterState.read(dir).orElseThrow();
        assertThat(read.processes().keySet()).containsExactly(ClusterState.LAUNCHER, "jobmanager", "taskmanager");
        assertThat(read.alive()).hasSize(3);
        assertThat(read.dashboard()).isEqualTo("http://localhost:8081");

        assertThat(execute("cluster", "stop", "--work-dir", dir.toString(), "--grace", "10s")).isZero();

        assertThat(List.of(launcher, jm, tm)).noneMatch(Process::isAlive);
        assertThat(bystander.isAlive()).as("a process the state file does not name").isTrue();
        assertThat(dir.resolve(ClusterState.FILE)).doesNotExist();
        // a second stop finds nothing to do
        assertThat(execute("cluster", "stop", "--work-dir", dir.toString())).isZero();
    }

    @Test
    void stopShouldLeaveAPidAloneWhoseStartTimeDiffers(@TempDir Path dir) throws Exception {
        Process reused = sleeper();
        long start = reused.toHandle().info().startInstant().orElseThrow().toEpochMilli();
        // as if the recorded process had died and its pid gone to this one
        Files.writeString(dir.resolve(ClusterState.FILE), "taskmanager=" + reused.pid() + "@" + (start - 60_000) + "\n");

        assertThat(ClusterState.read(dir).orElseThrow().alive()).isEmpty();
        assertThat(ClusterState.stop(dir, Duration.ofSeconds(5))).isEmpty();
        assertThat(reused.isAlive()).isTrue();
        assertThat(dir.resolve(ClusterState.FILE)).doesNotExist();
    }

    @Test
    void stopShouldKillAProcessThatIgnoresSigtermAfterTheGrace(@TempDir Path dir) throws Exception {
        // an ignored signal stays ignored across exec: this sleep does not die on SIGTERM
        Process stubborn = spawn("bash", "-c", "trap '' TERM; exec sleep 300");
        Thread.sleep(300); // let bash install the trap and exec
        ClusterState.of(Map.of("taskmanager", stubborn.toHandle()), null).write(dir);

        long t0 = System.nanoTime();
        assertThat(ClusterState.stop(dir, Duration.ofSeconds(1))).containsExactly("taskmanager");
        assertThat(stubborn.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void startShouldRefuseWhileTheRecordedClusterRuns(@TempDir Path dir) throws Exception {
        Process jm = sleeper();
        ClusterState.of(Map.of("jobmanager", jm.toHandle()), null).write(dir);

        assertThat(execute("cluster", "start", "--work-dir", dir.toString(), "--no-kafka")).isEqualTo(1);
        assertThat(jm.isAlive()).isTrue();
        assertThat(dir.resolve(ClusterState.FILE)).exists();
    }
}
