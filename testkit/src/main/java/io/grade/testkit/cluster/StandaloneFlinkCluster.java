package io.grade.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import io.grade.testkit.zookeeper.EmbeddedZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Flink standalone session cluster from Maven artifacts: a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and one or more TaskManagers ({@code TaskManagerRunner})
 * as separate JVMs, with the TaskManagers' JVM and memory settings computed by Flink's own
 * {@code BashJavaUtils} as the {@code taskmanager.sh} script does. RocksDB state backend,
 * checkpoints and savepoints under the work directory; optionally ZooKeeper high availability for
 * the JobManager and a supervisor that restarts any of its processes that exits. Used by
 * {@code ./grade cluster} and the cluster ITCase; {@link #close()} stops every process.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneFlinkCluster.class);
    private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
    /** What Flink's default env.java.opts.all opens on Java 17 (its scripts add these to every JVM). */
    private static final List<String> JAVA_OPENS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /** Directory under the work directory where the TaskManager's JavaCPP extracts ND4J's native libraries. */
    public static final String JAVACPP_CACHE = "javacpp";
    /** Directory under the work directory that is the TaskManager's {@code java.io.tmpdir}. */
    public static final String JVM_TEMP = "jvm-tmp";

    /**
     * Classes the TaskManager loads from its own classpath (the cluster's lib/) before the job jar:
     * ND4J and JavaCPP, so that with the ND4J lib jar on the classpath they are loaded, and their
     * native libraries extracted and linked, once per TaskManager instead of once per submission.
     * Without ND4J on the classpath Flink falls back to the job jar's copy. Also in docker-compose.yml.
     */
    public static final String PARENT_FIRST_PATTERNS = "org.nd4j.;org.bytedeco.";
    /** Task off-heap memory of the TaskManager (ND4J's native arrays; measured, see docs/DESIGN.md). Also in docker-compose.yml. */
    public static final String TASK_OFF_HEAP = "256m";

    /**
     * The TaskManager's JavaCPP settings (also in docker-compose.yml's env.java.opts.taskmanager).
     * ND4J extracts ~460 MB of native libraries on first use, by default into a subdirectory of
     * {@code ~/.javacpp/cache} named after the jar they come from. When that jar is the job jar, its
     * name on a TaskManager is the job's blob ({@code blob_p-<hash>-<random>}), new for every
     * submission, so every submission extracted another ~490 MB (measured). A fixed cache directory
     * without per-jar subdirectories makes later loads reuse the files the first one extracted.
     */
    public static List<String> javacppOptions(String cacheDir) {
        return List.of("-Dorg.bytedeco.javacpp.cachedir=" + cacheDir, "-Dorg.bytedeco.javacpp.cachedir.nosubdir=true");
    }

    /** Role of the JobManager in {@link #processes()}. */
    public static final String JOBMANAGER = "jobmanager";
    /** Prefix of the TaskManagers' roles ({@code taskmanager-1}, ...), which are also their Flink resource ids. */
    public static final String TASKMANAGER = "taskmanager-";
    /** How often the supervisor looks for exited processes. */
    private static final long SUPERVISE_EVERY_MS = 500;
    /** A process that exits sooner than this after its start counts as a crash loop: its restart backs off. */
    private static final Duration STABLE_AFTER = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /**
     * What to start. {@code zookeeperQuorum} null: no high availability (a restarted JobManager
     * knows no jobs). {@code supervise}: restart any process of the cluster that exits (see
     * {@link #processes()}), with a back-off when it keeps exiting within 30 s of its start.
     *
     * @param restPort port of the REST API and dashboard; 0 picks a free one
     * @param classpath Flink's runtime classpath (flink-runtime, -runtime-web, -clients, -streaming-java,
     *     -statebackend-rocksdb, log4j) as a path list, see {@link #flinkClasspathOf}
     * @param libJars jars added to the TaskManagers' classpath as an operator adds them to lib/ (the ND4J lib jar)
     */
    public record Settings(Path workDir, int restPort, int slots, int taskManagers, String classpath, List<Path> libJars,
                           String zookeeperQuorum, boolean supervise) {

        public Settings {
            if (restPort < 0 || restPort > 65535) {
                throw new IllegalArgumentException("REST port must be in 0..65535, got " + restPort);
            }
            if (slots < 1) {
                throw new IllegalArgumentException("slots per TaskManager must be >= 1, got " + slots);
            }
            if (taskManagers < 1) {
                throw new IllegalArgumentException("TaskManagers must be >= 1, got " + taskManagers);
            }
            libJars = List.copyOf(libJars);
        }

        /** One TaskManager, no HA, no supervision. */
        public static Settings of(Path workDir, int restPort, int slots, String classpath, List<Path> libJars) {
            return new Settings(workDir, restPort, slots, 1, classpath, libJars, null, false);
        }

        public Settings withTaskManagers(int n) {
            return new Settings(workDir, restPort, slots, n, classpath, libJars, zookeeperQuorum, supervise);
        }

        public Settings withHighAvailability(String quorum) {
            return new Settings(workDir, restPort, slots, taskManagers, classpath, libJars, quorum, supervise);
        }

        public Settings supervised() {
            return new Settings(workDir, restPort, slots, taskManagers, classpath, libJars, zookeeperQuorum, true);
        }
    }

    /** One supervised process: its command, the live process and how often it was restarted. */
    private static final class Member {
        final String role;
        final List<String> command;
        final Path output;
        volatile Process process;
        volatile long startedNanos;
        int quickExits;
        long restartAtNanos = -1;
        final AtomicInteger restarts = new AtomicInteger();

        Member(String role, List<String> command, Path output) {
            this.role = role;
            this.command = command;
            this.output = output;
        }

        void spawn() throws IOException {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
            startedNanos = System.nanoTime();
        }
    }

    private final Settings settings;
    private final Path workDir;
    private final int restPort;
    /** JobManager first, then the TaskManagers in order (close() stops them in reverse). */
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<Consumer<Map<String, ProcessHandle>>> listeners = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private volatile boolean closing;
    private Thread supervisor;

    private StandaloneFlinkCluster(Settings settings, int restPort) {
        this.settings = settings;
        this.workDir = settings.workDir();
        this.restPort = restPort;
    }

    /** Starts one unsupervised TaskManager without HA and waits until it registered. */
    public static StandaloneFlinkCluster start(Path workDir, int restPort, int slots, String classpath)
            throws IOException, InterruptedException {
        return start(Settings.of(workDir, restPort, slots, classpath, List.of()));
    }

    /**
     * Starts the JobManager and the TaskManagers, waits until every TaskManager registered, then
     * (when {@link Settings#supervise()}) starts the supervisor.
     */
    public static StandaloneFlinkCluster start(Settings settings) throws IOException, InterruptedException {
        int port = settings.restPort() == 0 ? freePort() : settings.restPort();
        StandaloneFlinkCluster c = new StandaloneFlinkCluster(settings, port);
        try {
            c.launch();
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void launch() throws IOException, InterruptedException {
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        Path logs = Files.createDirectories(workDir.resolve("log"));
        List<String> lines = new ArrayList<>(List.of(
                "jobmanager.rpc.address: localhost",
                "jobmanager.rpc.port: " + freePort(),
                "jobmanager.bind-host: localhost",
                "taskmanager.bind-host: localhost",
                "taskmanager.host: localhost",
                "rest.address: localhost",
                "rest.bind-address: localhost",
                "rest.port: " + restPort,
                "jobmanager.memory.process.size: 1024m",
                "taskmanager.memory.process.size: 2560m",
                "taskmanager.memory.task.off-heap.size: " + TASK_OFF_HEAP,
                "classloader.parent-first-patterns.additional: " + PARENT_FIRST_PATTERNS,
                "taskmanager.numberOfTaskSlots: " + settings.slots(),
                "state.backend.type: rocksdb",
                "execution.checkpointing.incremental: true",
                "execution.checkpointing.dir: " + workDir.resolve("checkpoints").toUri(),
                "execution.checkpointing.savepoint-dir: " + workDir.resolve("savepoints").toUri(),
                "web.upload.dir: " + Files.createDirectories(workDir.resolve("uploads")),
                "io.tmp.dirs: " + Files.createDirectories(workDir.resolve("tmp")),
                // a killed TaskManager is declared lost after two failed heartbeat RPCs: ~4 s instead of ~20 s
                "heartbeat.interval: " + HEARTBEAT_INTERVAL_MS));
        lines.addAll(highAvailability());
        lines.add("");
        Files.writeString(conf.resolve("config.yaml"), String.join("\n", lines));
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO", "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File", "appender.file.name = file", "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n", ""));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = settings.classpath();
        String tmClasspath = Stream.concat(Stream.of(classpath), settings.libJars().stream().map(Path::toString))
                .collect(Collectors.joining(java.io.File.pathSeparator));

        List<String> jm = new ArrayList<>(List.of(javaBin, "-Xmx512m"));
        jm.addAll(JAVA_OPENS);
        jm.addAll(List.of("-Dlog.file=" + logs.resolve("jobmanager.log"),
                "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri(), "-cp", classpath,
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "-c", conf.toString()));
        Member jobManager = new Member(JOBMANAGER, List.copyOf(jm), logs.resolve("jobmanager.out"));
        members.put(JOBMANAGER, jobManager);
        jobManager.spawn();
        awaitRest(Duration.ofSeconds(90));

        List<String> tmParams = bashJavaUtils(javaBin, classpath, conf);
        Path jvmTemp = Files.createDirectories(workDir.resolve(JVM_TEMP));
        for (int i = 1; i <= settings.taskManagers(); i++) {
            String role = TASKMANAGER + i;
            List<String> tm = new ArrayList<>();
            tm.add(javaBin);
            tm.addAll(Arrays.asList(tmParams.get(0).trim().split("\\s+")));
            tm.addAll(javacppOptions(workDir.resolve(JAVACPP_CACHE).toString()));
            tm.addAll(List.of(
                    "-Djava.io.tmpdir=" + jvmTemp,
                    "-Dlog.file=" + logs.resolve(role + ".log"),
                    "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri()));
            tm.addAll(JAVA_OPENS);
            tm.addAll(List.of("-cp", tmClasspath, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", "-c",
                    conf.toString()));
            tm.addAll(Arrays.asList(tmParams.get(1).trim().split("\\s+")));
            // a fixed resource id: the REST API's taskmanager id is the role, so a test or an operator
            // can tell which process runs which task
            tm.addAll(List.of("-D", "taskmanager.resource-id=" + role));
            Member m = new Member(role, List.copyOf(tm), logs.resolve(role + ".out"));
            members.put(role, m);
            m.spawn();
        }
        awaitTaskManagers(settings.taskManagers(), Duration.ofSeconds(120));
        if (settings.supervise()) {
            supervisor = new Thread(this::supervise, "flink-cluster-supervisor");
            supervisor.setDaemon(true);
            supervisor.start();
        }
        LOG.info("Flink standalone cluster up: {} ({} TaskManager(s), HA {})", restAddress(), settings.taskManagers(),
                settings.zookeeperQuorum() == null ? "off" : "on " + settings.zookeeperQuorum());
    }

    /** Heartbeat interval of the cluster (ms). */
    public static final int HEARTBEAT_INTERVAL_MS = 2000;

    /**
     * The Flink 2.2 ZooKeeper HA settings of this cluster: leader election and the job graph and
     * checkpoint stores in ZooKeeper, their payloads under {@code <work dir>/ha}, a cluster id
     * named after the work directory (stable across restarts of the cluster, distinct for two work
     * directories on one ZooKeeper). Empty without a quorum.
     */
    private List<String> highAvailability() throws IOException {
        if (settings.zookeeperQuorum() == null) {
            return List.of();
        }
        return highAvailabilityOptions(settings.zookeeperQuorum(),
                Files.createDirectories(workDir.resolve("ha")).toUri().toString(), haClusterId(workDir))
                .entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
    }

    /**
     * Flink's ZooKeeper HA options as this cluster sets them (also in docker-compose.yml, checked by
     * DockerComposeTest). Flink 2.2 needs no extra jar for them: the ZooKeeper client and Curator
     * are shaded into flink-shaded-zookeeper-3, a dependency of flink-runtime.
     */
    public static Map<String, String> highAvailabilityOptions(String quorum, String storageDir, String clusterId) {
        Map<String, String> ha = new LinkedHashMap<>();
        ha.put("high-availability.type", "zookeeper");
        ha.put("high-availability.zookeeper.quorum", quorum);
        ha.put("high-availability.storageDir", storageDir);
        ha.put("high-availability.cluster-id", clusterId);
        // a killed JobManager's leadership ends with its session: 6 s, not the default 60 s
        ha.put("high-availability.zookeeper.client.session-timeout", String.valueOf(EmbeddedZooKeeper.SESSION_TIMEOUT_MS));
        return ha;
    }

    /** The {@code high-availability.cluster-id} of a work directory. */
    public static String haClusterId(Path workDir) {
        return "/grade-" + Integer.toHexString(workDir.toAbsolutePath().normalize().toString().hashCode());
    }

    /**
     * Restarts members that exited, until {@link #close()}. A member that ran for less than 30 s
     * before exiting waits 1 s, 2 s, 4 s, ... (at most 30 s) before its next start, so a process
     * that cannot start (a port taken, a bad jar on lib/) does not spin; one that ran longer is
     * restarted after 1 s.
     */
    private void supervise() {
        while (!closing) {
            for (Member m : members.values()) {
                Process p = m.process;
                if (closing || p == null || p.isAlive()) {
                    continue;
                }
                long now = System.nanoTime();
                if (m.restartAtNanos < 0) {
                    boolean quick = now - m.startedNanos < STABLE_AFTER.toNanos();
                    m.quickExits = quick ? m.quickExits + 1 : 0;
                    long delay = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(Math.max(m.quickExits - 1, 0), 5));
                    m.restartAtNanos = now + TimeUnit.MILLISECONDS.toNanos(delay);
                    event(m.role + " (pid " + p.pid() + ") exited with " + p.exitValue() + "; restarting in " + delay + " ms");
                    continue;
                }
                if (now < m.restartAtNanos) {
                    continue;
                }
                try {
                    m.spawn();
                    m.restartAtNanos = -1;
                    m.restarts.incrementAndGet();
                    event(m.role + " restarted (pid " + m.process.pid() + ", restart " + m.restarts.get() + ")");
                    Map<String, ProcessHandle> now2 = processes();
                    listeners.forEach(l -> l.accept(now2));
                } catch (IOException e) {
                    m.startedNanos = System.nanoTime();
                    m.restartAtNanos = -1;
                    event(m.role + " could not be restarted: " + e.getMessage());
                }
            }
            try {
                Thread.sleep(SUPERVISE_EVERY_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void event(String what) {
        LOG.warn("supervisor: {}", what);
        events.add(Instant.now() + " " + what);
    }

    /** Called with the new {@link #processes()} after the supervisor restarted one of them. */
    public void onRestart(Consumer<Map<String, ProcessHandle>> listener) {
        listeners.add(listener);
    }

    /** What the supervisor did, oldest first (an exit and its restart each give one line). */
    public List<String> supervisorEvents() {
        return List.copyOf(events);
    }

    /** How often each role was restarted by the supervisor. */
    public Map<String, Integer> restarts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        members.forEach((role, m) -> out.put(role, m.restarts.get()));
        return out;
    }

    /** JVM parameters and dynamic properties of the TaskManager, as Flink's scripts compute them. */
    private static List<String> bashJavaUtils(String java, String classpath, Path conf)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java, "-cp", classpath, "org.apache.flink.runtime.util.bash.BashJavaUtils",
                "GET_TM_RESOURCE_PARAMS", "-c", conf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        List<String> results = out.lines().filter(l -> l.startsWith(RESULT_PREFIX))
                .map(l -> l.substring(RESULT_PREFIX.length())).collect(Collectors.toList());
        if (results.size() < 2) {
            throw new IllegalStateException("BashJavaUtils did not compute TaskManager settings: " + out);
        }
        return results.subList(results.size() - 2, results.size());
    }

    /** http://localhost:port of the REST API and dashboard. */
    public URI restAddress() {
        return URI.create("http://localhost:" + restPort);
    }

    public Path workDirectory() {
        return workDir;
    }

    /**
     * The live processes by role: {@value #JOBMANAGER}, then {@code taskmanager-1} ... (the
     * TaskManagers' Flink resource ids). A role whose process exited and is not restarted yet is
     * absent.
     */
    public Map<String, ProcessHandle> processes() {
        Map<String, ProcessHandle> out = new LinkedHashMap<>();
        members.forEach((role, m) -> {
            Process p = m.process;
            if (p != null && p.isAlive()) {
                out.put(role, p.toHandle());
            }
        });
        return out;
    }

    /** GET a REST path and return the body (the status must be 200). */
    public String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(restAddress().resolve(path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private void awaitRest(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            checkAlive();
            try {
                get("/overview");
                return;
            } catch (IOException notYet) {
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("JobManager REST API not up within " + timeout + "; see " + workDir.resolve("log"));
    }

    /** Waits until {@code n} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!settings.supervise()) {
                checkAlive();
            }
            try {
                if (get("/overview").contains("\"taskmanagers\":" + n + ",")) {
                    return;
                }
            } catch (IOException jobManagerNotUpYet) {
                // a restarting JobManager
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(n + " TaskManager(s) did not register within " + timeout + "; see "
                + workDir.resolve("log"));
    }

    private void checkAlive() {
        for (Member m : members.values()) {
            Process p = m.process;
            if (p != null && !p.isAlive()) {
                throw new IllegalStateException(m.role + " exited with " + p.exitValue() + "; see " + workDir.resolve("log"));
            }
        }
    }

    /** Stops the supervisor, the TaskManagers and the JobManager (each forcibly after 20 s). */
    @Override
    public void close() {
        closing = true;
        if (supervisor != null) {
            supervisor.interrupt();
            try {
                supervisor.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Member> order = new ArrayList<>(members.values());
        java.util.Collections.reverse(order);
        for (Member m : order) {
            Process p = m.process;
            if (p == null) {
                continue;
            }
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        members.clear();
    }

    /**
     * The Flink runtime part of a classpath: without ND4J, the Kafka connector and clients, Avro and
     * the project's classes, which the job jar brings (as on a real cluster's lib/).
     */
    public static String flinkClasspathOf(String classpath) {
        return Arrays.stream(classpath.split(java.io.File.pathSeparator))
                // the job jar brings the connector and the Kafka clients; Flink loads org.apache.flink.*
                // parent-first, so a connector on the cluster classpath would meet the job's Kafka classes
                .filter(e -> !e.contains("/org/apache/kafka/") && !e.contains("flink-connector-kafka")
                        // Flink's ZooKeeper client is the shaded one in flink-shaded-zookeeper-3
                        && !e.contains("/org/apache/zookeeper/")
                        && !e.contains("flink-connector-base") && !e.contains("/org/apache/avro/"))
                .filter(e -> !e.contains("nd4j") && !e.contains("bytedeco") && !e.contains("openblas")
                        && !e.contains("/io/grade/") && !e.matches(".*/(schemas|grade-model|grade-core|serving|simulator|"
                        + "experiments|generator|flink-jobs|cli|integration-tests)/target/.*"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
