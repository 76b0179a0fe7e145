package io.grade.cli;

import io.grade.jobs.config.GradeConfig;
import io.grade.testkit.cluster.FlinkRestClient;
import io.grade.testkit.cluster.StandaloneFlinkCluster;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.zookeeper.EmbeddedZooKeeper;
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
 * {@code grade cluster start|stop|submit|cancel}: a real Flink 2.2 standalone session cluster
 * (JobManager and TaskManagers as separate JVMs, RocksDB, ZooKeeper high availability) with the
 * dashboard on http://localhost:8081, plus a Kafka broker, for users without Docker. {@code start}
 * runs in the foreground as the cluster's supervisor (it restarts any JobManager or TaskManager
 * process that exits; Ctrl-C stops everything) and records its processes in {@value
 * ClusterState#FILE} in the work directory; {@code stop}, from another terminal, stops exactly those
 * processes. {@code submit} and {@code cancel} run and cancel the job through the REST API, and
 * {@code submit --from-checkpoint latest} restores the checkpoint a cancelled job retained.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Local Flink standalone cluster (dashboard on http://localhost:8081, ZooKeeper HA, supervised) "
                + "and Kafka broker.",
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Submit.class,
                ClusterCommand.Cancel.class})
public final class ClusterCommand implements Runnable {

    /** Default work directory: fixed, so that stop finds start's state and ND4J's native libraries are extracted once. */
    static final Path DEFAULT_WORK_DIR = Path.of(System.getProperty("java.io.tmpdir"), "grade-cluster");
    /** At most this many TaskManagers (each a JVM of 2.5 GB process size). */
    static final int MAX_TASKMANAGERS = 16;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Starts the cluster in the foreground, supervising it, until Ctrl-C or {@code grade cluster stop}. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start ZooKeeper, a JobManager, TaskManagers and a Kafka broker and supervise them "
                    + "(a JobManager or TaskManager that exits is restarted); Ctrl-C or `grade cluster stop` stops them.")
    public static final class Start implements Callable<Integer> {

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--web-port", defaultValue = "8081", description = "Dashboard / REST port, 1..65535 "
                + "(0 = any free port) (default: ${DEFAULT-VALUE}).")
        int webPort;

        @Option(names = "--slots", defaultValue = "2", description = "Task slots per TaskManager (default: ${DEFAULT-VALUE}).")
        int slots;

        @Option(names = "--taskmanagers", defaultValue = "1", description = "TaskManager processes, 1.."
                + MAX_TASKMANAGERS + " (default: ${DEFAULT-VALUE}).")
        int taskManagers;

        @Option(names = "--work-dir", description = "Directory for config, logs, checkpoints, savepoints, HA data, "
                + "ND4J's native libraries and the state file (default: <java.io.tmpdir>/grade-cluster).")
        Path workDir;

        @Option(names = "--no-kafka", description = "Do not start a Kafka broker (use your own).")
        boolean noKafka;

        @Option(names = "--zookeeper", paramLabel = "host:port[,host:port...]", description = "ZooKeeper quorum for "
                + "the JobManager's high availability (default: start a ZooKeeper server in the launcher, with its "
                + "data under the work directory, fresh at every start).")
        String zookeeper;

        @Option(names = "--nd4j-lib", description = "ND4J lib jar for the TaskManagers' classpath, as on a cluster's lib/ "
                + "(default: flink-jobs/target/flink-jobs-*-nd4j-lib.jar of this checkout, if built).")
        Path nd4jLib;

        /** Every option is checked before anything is started; a bad one is a usage error (exit code 2). */
        void validate() {
            if (webPort < 0 || webPort > 65535) {
                throw usage(spec, "--web-port must be in 1..65535 (or 0 for any free port), got " + webPort);
            }
            if (slots < 1) {
                throw usage(spec, "--slots must be at least 1, got " + slots);
            }
            if (taskManagers < 1 || taskManagers > MAX_TASKMANAGERS) {
                throw usage(spec, "--taskmanagers must be in 1.." + MAX_TASKMANAGERS + ", got " + taskManagers);
            }
            if (nd4jLib != null && !Files.isRegularFile(nd4jLib)) {
                throw usage(spec, "--nd4j-lib " + nd4jLib + ": no such file");
            }
            if (zookeeper != null && !zookeeper.matches("[^,:\\s]+:\\d{1,5}(,[^,:\\s]+:\\d{1,5})*")) {
                throw usage(spec, "--zookeeper must be host:port[,host:port...], got '" + zookeeper + "'");
            }
            if (workDir != null && Files.exists(workDir) && !Files.isDirectory(workDir)) {
                throw usage(spec, "--work-dir " + workDir + " is not a directory");
            }
        }

        @Override
        public Integer call() throws Exception {
            validate();
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
            EmbeddedZooKeeper zk = null;
            try {
                String quorum = zookeeper;
                if (quorum == null) {
                    // a fresh ZooKeeper (and HA store) per start, like the broker: jobs do not come back
                    // from an earlier session, whose topics are gone; checkpoints/ is kept
                    deleteRecursively(dir.resolve("zookeeper"));
                    deleteRecursively(dir.resolve("ha"));
                    zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"));
                    quorum = zk.connectString();
                }
                broker = noKafka ? null : EmbeddedKafkaBroker.start();
                String kafka = broker == null ? null : broker.bootstrapServers();
                if (broker != null) {
                    System.err.println("grade cluster: created topics " + createJobTopics(kafka, slots));
                }
                List<Path> lib = nd4jLib != null ? List.of(nd4jLib) : builtNd4jLib().map(List::of).orElse(List.of());
                if (lib.isEmpty()) {
                    System.err.println("grade cluster: no ND4J lib jar (mvn package -pl flink-jobs -am builds it); "
                            + "jobs will load ND4J from their own jar");
                }
                StandaloneFlinkCluster.Settings settings = StandaloneFlinkCluster.Settings.of(dir, webPort, slots,
                                StandaloneFlinkCluster.flinkClasspathOf(System.getProperty("java.class.path")), lib)
                        .withTaskManagers(taskManagers).withHighAvailability(quorum).supervised();
                try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(settings)) {
                    String dashboard = cluster.restAddress().toString();
                    java.util.function.Consumer<Map<String, ProcessHandle>> record = now -> {
                        Map<String, ProcessHandle> processes = new LinkedHashMap<>();
                        processes.put(ClusterState.LAUNCHER, ProcessHandle.current());
                        processes.putAll(now);
                        try {
                            ClusterState.of(processes, dashboard, kafka).write(dir);
                        } catch (java.io.IOException e) {
                            System.err.println("grade cluster: could not update " + dir.resolve(ClusterState.FILE) + ": " + e);
                        }
                    };
                    record.accept(cluster.processes());
                    cluster.onRestart(now -> {
                        record.accept(now);
                        List<String> events = cluster.supervisorEvents();
                        System.err.println("grade cluster: " + events.get(events.size() - 1));
                    });
                    String wd = workDir == null ? "" : " --work-dir " + dir;
                    System.err.printf("grade cluster: dashboard %s, %d TaskManager(s) x %d slots, ZooKeeper HA on %s, "
                            + "work dir %s%s%n", dashboard, taskManagers, slots, quorum, dir, kafka == null ? "" : ", Kafka " + kafka);
                    System.err.println("grade cluster: this process supervises the cluster: a JobManager or TaskManager "
                            + "that exits is restarted (logs in " + dir.resolve("log") + ")");
                    System.err.println("grade cluster: submit the job with ./grade cluster submit" + wd
                            + " [-- <job flags>]; Ctrl-C or `./grade cluster stop" + wd + "` stops the cluster");
                    stop.await();
                }
            } finally {
                if (broker != null) {
                    broker.close();
                }
                if (zk != null) {
                    zk.close();
                }
                Files.deleteIfExists(dir.resolve(ClusterState.FILE));
                closed.countDown();
            }
            return 0;
        }
    }

    /** Runs the job jar on the cluster, fresh or from a retained checkpoint / savepoint. */
    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Upload and run the job jar on the cluster `grade cluster start` runs; "
                    + "job flags go after --. With --from-checkpoint latest the job restores the newest retained checkpoint.")
    public static final class Submit implements Callable<Integer> {

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--work-dir", description = "The work directory given to start (default: <java.io.tmpdir>/grade-cluster).")
        Path workDir;

        @Option(names = "--jar", description = "Job jar (default: flink-jobs/target/flink-jobs-*-job.jar of this checkout).")
        Path jar;

        @Option(names = "--from-checkpoint", paramLabel = "latest|<dir>", description = "Restore this retained "
                + "checkpoint or savepoint directory; `latest` = the newest complete checkpoint under <work-dir>/checkpoints.")
        String fromCheckpoint;

        @Option(names = "--allow-non-restored-state", description = "Let the restore skip state of operators the new jar "
                + "no longer has.")
        boolean allowNonRestoredState;

        @picocli.CommandLine.Parameters(paramLabel = "JOB_FLAG", description = "Flags of the job (as for flink run), "
                + "after --. Default --bootstrap-servers: the launcher's broker.")
        List<String> jobArgs = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Path dir = workDir != null ? workDir : DEFAULT_WORK_DIR;
            Path jobJar = jar != null ? jar : builtJobJar().orElseThrow(() -> usage(spec,
                    "--jar: no flink-jobs/target/flink-jobs-*-job.jar (mvn package -pl flink-jobs -am builds it)"));
            if (!Files.isRegularFile(jobJar)) {
                throw usage(spec, "--jar " + jobJar + ": no such file");
            }
            ClusterState state = ClusterState.read(dir).filter(s -> !s.alive().isEmpty()).orElse(null);
            if (state == null || state.dashboard() == null) {
                System.err.println("grade cluster: no running cluster recorded in " + dir + "; start one with ./grade cluster start"
                        + (workDir == null ? "" : " --work-dir " + dir));
                return 1;
            }
            List<String> args = new java.util.ArrayList<>(jobArgs);
            if (!args.contains("--bootstrap-servers") && state.kafka().isPresent()) {
                args.addAll(List.of("--bootstrap-servers", state.kafka().get()));
            }
            try {
                // the flags are checked here, before anything is uploaded
                org.apache.flink.configuration.Configuration conf = io.grade.jobs.config.CommandLine.toConfiguration(
                        io.grade.jobs.config.CommandLine.toMap(args.toArray(String[]::new)));
                io.grade.jobs.config.LearnerConfig.from(conf, GradeConfig.from(conf));
            } catch (IllegalArgumentException e) {
                throw usage(spec, e.getMessage());
            }
            String restore = null;
            if (fromCheckpoint != null) {
                Path from = fromCheckpoint.equals("latest")
                        ? FlinkRestClient.latestCheckpoint(dir.resolve("checkpoints")).orElseThrow(() -> usage(spec,
                                "--from-checkpoint latest: no complete checkpoint under " + dir.resolve("checkpoints")))
                        : Path.of(fromCheckpoint);
                if (!Files.isRegularFile(from.resolve("_metadata"))) {
                    throw usage(spec, "--from-checkpoint " + from + ": not a checkpoint or savepoint directory (no _metadata)");
                }
                restore = from.toAbsolutePath().toUri().toString();
            }
            FlinkRestClient client = new FlinkRestClient(java.net.URI.create(state.dashboard()));
            String jobId = client.run(client.upload(jobJar), args, restore, allowNonRestoredState);
            System.out.println(jobId);
            System.err.println("grade cluster: submitted job " + jobId + (restore == null ? "" : " restoring " + restore)
                    + "; dashboard " + state.dashboard() + "/#/job/running/" + jobId);
            return 0;
        }
    }

    /** Cancels jobs; their last checkpoint is retained (the job's default) for {@code submit --from-checkpoint}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel jobs on the cluster (default: every running job); their last checkpoint is kept "
                    + "for `grade cluster submit --from-checkpoint latest`.")
    public static final class Cancel implements Callable<Integer> {

        @Option(names = "--work-dir", description = "The work directory given to start (default: <java.io.tmpdir>/grade-cluster).")
        Path workDir;

        @Option(names = "--job", description = "Id of a job to cancel (repeatable).")
        List<String> jobs = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Path dir = workDir != null ? workDir : DEFAULT_WORK_DIR;
            ClusterState state = ClusterState.read(dir).filter(s -> !s.alive().isEmpty()).orElse(null);
            if (state == null || state.dashboard() == null) {
                System.err.println("grade cluster: no running cluster recorded in " + dir);
                return 1;
            }
            FlinkRestClient client = new FlinkRestClient(java.net.URI.create(state.dashboard()));
            List<String> targets = jobs.isEmpty() ? client.activeJobs() : jobs;
            for (String job : targets) {
                client.cancel(job);
                System.err.println("grade cluster: cancelled " + job);
            }
            if (targets.isEmpty()) {
                System.err.println("grade cluster: no running job");
            }
            FlinkRestClient.latestCheckpoint(dir.resolve("checkpoints")).ifPresent(c -> System.err.println(
                    "grade cluster: newest retained checkpoint " + c + "; after the fix: ./grade cluster submit"
                            + (workDir == null ? "" : " --work-dir " + dir) + " --from-checkpoint latest -- <job flags>"));
            return 0;
        }
    }

    /** A usage error of a command (exit code 2, one line naming the option). */
    static picocli.CommandLine.ParameterException usage(picocli.CommandLine.Model.CommandSpec spec, String message) {
        return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** flink-jobs/target/flink-jobs-*-job.jar under the checkout the launcher runs from (-Dgrade.home). */
    static Optional<Path> builtJobJar() throws java.io.IOException {
        return built("flink-jobs-.+-job\\.jar");
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** flink-jobs/target/flink-jobs-*-nd4j-lib.jar under the checkout the launcher runs from (-Dgrade.home). */
    static Optional<Path> builtNd4jLib() throws java.io.IOException {
        return built("flink-jobs-.+-nd4j-lib\\.jar");
    }

    private static Optional<Path> built(String regex) throws java.io.IOException {
        String home = System.getProperty("grade.home");
        Path target = Path.of(home != null ? home : ".").resolve("flink-jobs/target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (java.util.stream.Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches(regex)).findFirst();
        }
    }

    /** Stops the processes a {@code cluster start} recorded in its work directory, and nothing else. */
    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop the ZooKeeper, JobManager, TaskManagers and Kafka broker that `grade cluster start` started.")
    public static final class Stop implements Callable<Integer> {

        @Option(names = "--work-dir", description = "The work directory given to start (default: <java.io.tmpdir>/grade-cluster).")
        Path workDir;

        @Option(names = "--grace", defaultValue = "60s", converter = DurationOption.Converter.class,
                description = "Time each process gets to exit before it is killed (default: ${DEFAULT-VALUE}). "
                        + DurationOption.FORMS)
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
