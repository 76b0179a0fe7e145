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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Flink standalone session cluster from Maven artifacts: a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and a TaskManager ({@code TaskManagerRunner}) as
 * separate JVMs, with the TaskManager's JVM and memory settings computed by Flink's own
 * {@code BashJavaUtils} as the {@code taskmanager.sh} script does. RocksDB state backend,
 * checkpoints and savepoints under the work directory. Used by {@code ./grade cluster} and the
 * cluster ITCase; {@link #close()} stops both processes.
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

    private final Path workDir;
    private final int restPort;
    private final List<Process> processes = new ArrayList<>();

    private StandaloneFlinkCluster(Path workDir, int restPort) {
        this.workDir = workDir;
        this.restPort = restPort;
    }

    /**
     * Starts the cluster and waits until its TaskManager registered.
     *
     * @param restPort port of the REST API and dashboard; 0 picks a free one
     * @param classpath Flink's runtime classpath (flink-runtime, -runtime-web, -clients, -streaming-java,
     *     -statebackend-rocksdb, -connector-base, log4j) as a path list
     */
    public static StandaloneFlinkCluster start(Path workDir, int restPort, int slots, String classpath)
            throws IOException, InterruptedException {
        return start(workDir, restPort, slots, classpath, List.of());
    }

    /**
     * As {@link #start(Path, int, int, String)}, with jars added to the TaskManager's classpath as an
     * operator adds them to the cluster's lib/ (the ND4J lib jar).
     */
    public static StandaloneFlinkCluster start(Path workDir, int restPort, int slots, String classpath, List<Path> libJars)
            throws IOException, InterruptedException {
        int port = restPort == 0 ? freePort() : restPort;
        StandaloneFlinkCluster c = new StandaloneFlinkCluster(workDir, port);
        String tmClasspath = Stream.concat(Stream.of(classpath), libJars.stream().map(Path::toString))
                .collect(Collectors.joining(java.io.File.pathSeparator));
        try {
            c.launch(slots, classpath, tmClasspath);
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void launch(int slots, String classpath, String tmClasspath) throws IOException, InterruptedException {
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        Path logs = Files.createDirectories(workDir.resolve("log"));
        String yaml = String.join("\n",
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
                "taskmanager.numberOfTaskSlots: " + slots,
                "state.backend.type: rocksdb",
                "execution.checkpointing.incremental: true",
                "execution.checkpointing.dir: " + workDir.resolve("checkpoints").toUri(),
                "execution.checkpointing.savepoint-dir: " + workDir.resolve("savepoints").toUri(),
                "web.upload.dir: " + Files.createDirectories(workDir.resolve("uploads")),
                "io.tmp.dirs: " + Files.createDirectories(workDir.resolve("tmp")),
                "");
        Files.writeString(conf.resolve("config.yaml"), yaml);
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO", "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File", "appender.file.name = file", "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        List<String> jm = new ArrayList<>(List.of(java, "-Xmx512m"));
        jm.addAll(JAVA_OPENS);
        jm.addAll(List.of("-Dlog.file=" + logs.resolve("jobmanager.log"),
                "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri(), "-cp", classpath,
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "-c", conf.toString()));
        processes.add(spawn(jm, logs.resolve("jobmanager.out")));
        awaitRest(Duration.ofSeconds(90));

        List<String> tmParams = bashJavaUtils(java, classpath, conf);
        List<String> tm = new ArrayList<>();
        tm.add(java);
        tm.addAll(Arrays.asList(tmParams.get(0).trim().split("\\s+")));
        tm.addAll(javacppOptions(workDir.resolve(JAVACPP_CACHE).toString()));
        tm.addAll(List.of(
                "-Djava.io.tmpdir=" + Files.createDirectories(workDir.resolve(JVM_TEMP)),
                "-Dlog.file=" + logs.resolve("taskmanager.log"),
                "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri()));
        tm.addAll(JAVA_OPENS);
        tm.addAll(List.of("-cp", tmClasspath, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", "-c", conf.toString()));
        tm.addAll(Arrays.asList(tmParams.get(1).trim().split("\\s+")));
        processes.add(spawn(tm, logs.resolve("taskmanager.out")));
        awaitTaskManager(Duration.ofSeconds(90));
        LOG.info("Flink standalone cluster up: {}", restAddress());
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

    private static Process spawn(List<String> command, Path output) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /** http://localhost:port of the REST API and dashboard. */
    public URI restAddress() {
        return URI.create("http://localhost:" + restPort);
    }

    public Path workDirectory() {
        return workDir;
    }

    /** The running JobManager and TaskManager processes, by role ({@code jobmanager}, {@code taskmanager}). */
    public Map<String, ProcessHandle> processes() {
        Map<String, ProcessHandle> out = new LinkedHashMap<>();
        String[] roles = {"jobmanager", "taskmanager"};
        for (int i = 0; i < processes.size() && i < roles.length; i++) {
            out.put(roles[i], processes.get(i).toHandle());
        }
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

    private void awaitTaskManager(Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            checkAlive();
            if (!get("/overview").contains("\"taskmanagers\":0")) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("TaskManager did not register within " + timeout + "; see " + workDir.resolve("log"));
    }

    private void checkAlive() {
        for (Process p : processes) {
            if (!p.isAlive()) {
                throw new IllegalStateException("a cluster process exited with " + p.exitValue() + "; see "
                        + workDir.resolve("log"));
            }
        }
    }

    /** Stops the TaskManager and the JobManager (forcibly after 20 s). */
    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
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
        processes.clear();
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
