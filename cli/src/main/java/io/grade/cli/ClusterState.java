package io.grade.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The state file {@code grade cluster start} writes into its work directory: the processes it
 * started (the launcher itself, the JobManager and the TaskManagers), each as pid and start time,
 * rewritten by the launcher's supervisor whenever it restarts one of them.
 * {@code grade cluster stop} reads it and stops exactly those processes: a pid is only signalled
 * while a live process with that pid has the recorded start time, so a pid reused by an unrelated
 * process after a crash is left alone, and nothing that the file does not name is touched (jobs
 * running on another cluster are not cancelled).
 */
public final class ClusterState {

    /** Name of the state file in the work directory. */
    public static final String FILE = "grade-cluster.state";
    /** Role of the launcher process; stopping it first lets it close the cluster and the broker itself. */
    public static final String LAUNCHER = "launcher";

    private static final String DASHBOARD = "dashboard";
    private static final String KAFKA = "kafka";

    private final Map<String, Entry> processes;
    private final String dashboard;
    private final String kafka;

    /** A process as recorded: pid and start time in epoch milliseconds. */
    public record Entry(long pid, long startMillis) {

        static Entry of(ProcessHandle p) {
            return new Entry(p.pid(), startOf(p).orElseThrow(
                    () -> new IllegalStateException("no start time for process " + p.pid())));
        }

        /** The live process this entry names, if it is still the same process. */
        Optional<ProcessHandle> live() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> startOf(p).map(s -> s == startMillis).orElse(false));
        }

        @Override
        public String toString() {
            return pid + "@" + startMillis;
        }

        static Entry parse(String s) {
            int at = s.indexOf('@');
            if (at < 0) {
                throw new IllegalArgumentException("not pid@start: " + s);
            }
            return new Entry(Long.parseLong(s.substring(0, at).trim()), Long.parseLong(s.substring(at + 1).trim()));
        }
    }

    private ClusterState(Map<String, Entry> entries, String dashboard, String kafka) {
        this.processes = entries;
        this.dashboard = dashboard;
        this.kafka = kafka;
    }

    /** The state of live processes, by role (iteration order = stop order). */
    public static ClusterState of(Map<String, ProcessHandle> processes, String dashboard) {
        return of(processes, dashboard, null);
    }

    /** As {@link #of(Map, String)}, with the bootstrap servers of the launcher's Kafka broker (or null). */
    public static ClusterState of(Map<String, ProcessHandle> processes, String dashboard, String kafka) {
        Map<String, Entry> m = new LinkedHashMap<>();
        processes.forEach((role, p) -> m.put(role, Entry.of(p)));
        return new ClusterState(m, dashboard, kafka);
    }

    private static Optional<Long> startOf(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli);
    }

    public Map<String, Entry> processes() {
        return processes;
    }

    public String dashboard() {
        return dashboard;
    }

    /** Bootstrap servers of the broker the launcher started, if it started one. */
    public Optional<String> kafka() {
        return Optional.ofNullable(kafka);
    }

    /** Writes the state file (atomically: a reader never sees half a file). */
    public void write(Path workDir) throws IOException {
        Properties p = new Properties();
        processes.forEach((role, e) -> p.setProperty(role, e.toString()));
        if (dashboard != null) {
            p.setProperty(DASHBOARD, dashboard);
        }
        if (kafka != null) {
            p.setProperty(KAFKA, kafka);
        }
        Path tmp = workDir.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "grade cluster start; `grade cluster stop --work-dir " + workDir + "` stops these processes");
        }
        Files.move(tmp, workDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The state file of a work directory, if there is one. */
    public static Optional<ClusterState> read(Path workDir) throws IOException {
        Path f = workDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        Map<String, Entry> m = new LinkedHashMap<>();
        // launcher first: it closes its own children cleanly; the others are stopped only if left over
        if (p.containsKey(LAUNCHER)) {
            m.put(LAUNCHER, Entry.parse(p.getProperty(LAUNCHER)));
        }
        for (String role : p.stringPropertyNames().stream().sorted().toList()) {
            if (!role.equals(LAUNCHER) && !role.equals(DASHBOARD) && !role.equals(KAFKA)) {
                m.put(role, Entry.parse(p.getProperty(role)));
            }
        }
        return Optional.of(new ClusterState(m, p.getProperty(DASHBOARD), p.getProperty(KAFKA)));
    }

    /** The recorded processes that are still alive (same pid and start time). */
    public Map<String, ProcessHandle> alive() {
        Map<String, ProcessHandle> out = new LinkedHashMap<>();
        processes.forEach((role, e) -> e.live().ifPresent(p -> out.put(role, p)));
        return out;
    }

    /**
     * Stops the recorded processes that are still alive: each gets SIGTERM and {@code grace} to
     * exit, then SIGKILL. The launcher goes first, so it can close the cluster and its Kafka
     * broker in order. Deletes the state file when done.
     *
     * @return the roles that were stopped
     */
    public static List<String> stop(Path workDir, Duration grace) throws IOException, InterruptedException {
        Optional<ClusterState> state = read(workDir);
        List<String> stopped = new ArrayList<>();
        if (state.isEmpty()) {
            return stopped;
        }
        for (Map.Entry<String, Entry> e : state.get().processes.entrySet()) {
            Optional<ProcessHandle> p = e.getValue().live();
            if (p.isEmpty()) {
                continue;
            }
            if (!terminate(p.get(), grace)) {
                throw new IOException("could not stop " + e.getKey() + " (pid " + e.getValue().pid() + ")");
            }
            stopped.add(e.getKey());
        }
        Files.deleteIfExists(workDir.resolve(FILE));
        return stopped;
    }

    /** SIGTERM, {@code grace} to exit, then SIGKILL and {@code grace} again; true when it exited. */
    private static boolean terminate(ProcessHandle p, Duration grace) throws InterruptedException {
        p.destroy();
        if (awaitExit(p, grace)) {
            return true;
        }
        p.destroyForcibly();
        return awaitExit(p, grace);
    }

    private static boolean awaitExit(ProcessHandle p, Duration timeout) throws InterruptedException {
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException notYet) {
            return !p.isAlive();
        } catch (ExecutionException e) {
            return !p.isAlive();
        }
    }
}
