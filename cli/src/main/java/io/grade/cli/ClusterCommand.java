package io.grade.cli;

import io.grade.jobs.config.GradeConfig;
import io.grade.testkit.cluster.StandaloneFlinkCluster;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code grade cluster start|stop}: a real Flink 2.2 standalone session cluster (JobManager and
 * TaskManager as separate JVMs, RocksDB) with the dashboard on http://localhost:8081, plus a Kafka
 * broker, for users without Docker. {@code start} runs in the foreground (Ctrl-C stops everything)
 * and records its processes in {@value ClusterState#FILE} in the work directory; {@code stop}, from
 * another terminal, stops exactly those processes.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Local Flink standalone cluster (dashboard on http://localhost:8081) and Kafka broker.",
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class})
public final class ClusterCommand implements Runnable {

    /** Default work directory: fixed, so that stop finds start's state and ND4J's native libraries are extracted once. */
    static final Path DEFAULT_WORK_DIR = Path.of(System.getProperty("java.io.tmpdir"), "grade-cluster");

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Starts the cluster in the foreground until Ctrl-C or {@code grade cluster stop}. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a JobManager, a TaskManager and a Kafka broker; Ctrl-C or `grade cluster stop` stops them.")
    public static final class Start implements Callable<Integer> {

        @Option(names = "--web-port", defaultValue = "8081", description = "Dashboard / REST port (default: ${DEFAULT-VALUE}).")
        int webPort;

        @Option(names = "--slots", defaultValue = "2", description = "Task slots (default: ${DEFAULT-VALUE}).")
        int slots;

        @Option(names = "--work-dir", description = "Directory for config, logs, checkpoints, savepoints, ND4J's native "
                + "libraries and the state file (default: <java.io.tmpdir>/grade-cluster).")
        Path workDir;

        @Option(names = "--no-kafka", description = "Do not start a Kafka broker (use your own).")
        boolean noKafka;

        @Option(names = "--nd4j-lib", description = "ND4J lib jar for the TaskManager's classpath, as on a cluster's lib/ "
                + "(default: flink-jobs/target/flink-jobs-*-nd4j-lib.jar of this checkout, if built).")
        Path nd4jLib;

        @Override
        public Integer call() throws Exception {
            Path dir = Files.createDirectories(workDir != null ? workDir : DEFAULT_WORK_DIR);
            Optional<ClusterState> previous = ClusterState.read(dir);
            if (previous.isPresent() && !previous.get().alive().isEmpty()) {
                System.err.printf("grade cluster: a cluster started from %s is still running (%s); "
                        + "stop it with: ./grade cluster stop --work-dir %s%n", dir, previous.get().alive().keySet(), dir);
                return 1;
            }
            CountDownLatch stop = new CountDownLatch(1);
            CountDownLatch closed = new CountDownLatch(1);
            // SIGTERM (cluster stop) and Ctrl-C: let the main thread close the cluster before the JVM exits
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    closed.await(90, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            EmbeddedKafkaBroker broker = null;
            try {
                broker = noKafka ? null : EmbeddedKafkaBroker.start();
                if (broker != null) {
                    System.err.println("grade cluster: created topics " + createJobTopics(broker.bootstrapServers(), slots));
                }
                List<Path> lib = nd4jLib != null ? List.of(nd4jLib) : builtNd4jLib().map(List::of).orElse(List.of());
                if (lib.isEmpty()) {
                    System.err.println("grade cluster: no ND4J lib jar (mvn package -pl flink-jobs -am builds it); "
                            + "jobs will load ND4J from their own jar");
                }
                try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(dir, webPort, slots,
                        StandaloneFlinkCluster.flinkClasspathOf(System.getProperty("java.class.path")), lib)) {
                    Map<String, ProcessHandle> processes = new LinkedHashMap<>();
                    processes.put(ClusterState.LAUNCHER, ProcessHandle.current());
                    processes.putAll(cluster.processes());
                    ClusterState.of(processes, cluster.restAddress().toString()).write(dir);
                    System.err.printf("grade cluster: dashboard %s, work dir %s%s%n", cluster.restAddress(), dir,
                            broker == null ? "" : ", Kafka " + broker.bootstrapServers());
                    System.err.println("grade cluster: submit the job jar from the dashboard (Submit New Job) or with "
                            + "curl -F jarfile=@flink-jobs/target/flink-jobs-0.1.0-SNAPSHOT-job.jar "
                            + cluster.restAddress() + "/jars/upload ; Ctrl-C or `./grade cluster stop"
                            + (workDir == null ? "" : " --work-dir " + dir) + "` stops the cluster");
                    stop.await();
                }
            } finally {
                if (broker != null) {
                    broker.close();
                }
                Files.deleteIfExists(dir.resolve(ClusterState.FILE));
                closed.countDown();
            }
            return 0;
        }
    }

    /** flink-jobs/target/flink-jobs-*-nd4j-lib.jar under the checkout the launcher runs from (-Dgrade.home). */
    static Optional<Path> builtNd4jLib() throws java.io.IOException {
        String home = System.getProperty("grade.home");
        Path target = Path.of(home != null ? home : ".").resolve("flink-jobs/target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (java.util.stream.Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches("flink-jobs-.+-nd4j-lib\\.jar")).findFirst();
        }
    }

    /** Stops the processes a {@code cluster start} recorded in its work directory, and nothing else. */
    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop the JobManager, TaskManager and Kafka broker that `grade cluster start` started.")
    public static final class Stop implements Callable<Integer> {

        @Option(names = "--work-dir", description = "The work directory given to start (default: <java.io.tmpdir>/grade-cluster).")
        Path workDir;

        @Option(names = "--grace", defaultValue = "60s", converter = DurationConverter.class,
                description = "Time each process gets to exit before it is killed (default: ${DEFAULT-VALUE}).")
        Duration grace;

        @Override
        public Integer call() throws Exception {
            Path dir = workDir != null ? workDir : DEFAULT_WORK_DIR;
            if (ClusterState.read(dir).isEmpty()) {
                System.err.println("grade cluster: no cluster recorded in " + dir + " (nothing to stop)");
                return 0;
            }
            List<String> stopped = ClusterState.stop(dir, grace);
            System.err.println("grade cluster: stopped " + (stopped.isEmpty() ? "nothing (its processes had exited)"
                    : String.join(", ", stopped)) + " from " + dir);
            return 0;
        }
    }

    /** "60s", "500ms", "2min" or an ISO-8601 duration. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            }
            if (v.endsWith("min")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 3).trim()));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            }
            return Duration.parse(value);
        }
    }

    /**
     * Creates the job's input and output topics with their default names on the cluster's broker
     * (what the compose file's topic creator does); the job itself creates or checks the policy
     * topic when it starts. Topics that already exist are left as they are.
     */
    static List<String> createJobTopics(String bootstrapServers, int partitions) throws Exception {
        GradeConfig defaults = GradeConfig.fromMap(Map.of());
        List<NewTopic> wanted = List.of(new NewTopic(defaults.impressionsTopic(), partitions, (short) 1),
                new NewTopic(defaults.feedbackTopic(), partitions, (short) 1),
                new NewTopic(defaults.deadLetterTopic(), 1, (short) 1),
                new NewTopic(defaults.labelledRequestsTopic(), 1, (short) 1));
        try (Admin admin = EmbeddedKafkaBroker.admin(bootstrapServers)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                // The listing may lag a creation that just happened (a second start, a loaded broker):
                // a topic that exists by now is what we wanted.
                for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> f
                        : admin.createTopics(missing).values().entrySet()) {
                    try {
                        f.getValue().get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                            throw e;
                        }
                    }
                }
            }
        }
        return wanted.stream().map(NewTopic::name).toList();
    }
}
