package io.grade.cli;

import io.grade.testkit.cluster.StandaloneFlinkCluster;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code grade cluster start}: a real Flink 2.2 standalone session cluster (JobManager and
 * TaskManager as separate JVMs, RocksDB) with the dashboard on http://localhost:8081, plus a Kafka
 * broker, for users without Docker. Runs in the foreground; Ctrl-C stops everything.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Local Flink standalone cluster (dashboard on http://localhost:8081) and Kafka broker.",
        subcommands = {ClusterCommand.Start.class})
public final class ClusterCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Starts the cluster in the foreground until Ctrl-C. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a JobManager, a TaskManager and a Kafka broker; Ctrl-C stops them.")
    public static final class Start implements Callable<Integer> {

        @Option(names = "--web-port", defaultValue = "8081", description = "Dashboard / REST port (default: ${DEFAULT-VALUE}).")
        int webPort;

        @Option(names = "--slots", defaultValue = "2", description = "Task slots (default: ${DEFAULT-VALUE}).")
        int slots;

        @Option(names = "--work-dir", description = "Directory for config, logs, checkpoints and savepoints (default: a new temp dir).")
        Path workDir;

        @Option(names = "--no-kafka", description = "Do not start a Kafka broker (use your own).")
        boolean noKafka;

        @Override
        public Integer call() throws Exception {
            Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("grade-cluster-");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            EmbeddedKafkaBroker broker = noKafka ? null : EmbeddedKafkaBroker.start();
            try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(dir, webPort, slots,
                    StandaloneFlinkCluster.flinkClasspathOf(System.getProperty("java.class.path")))) {
                System.err.printf("grade cluster: dashboard %s, work dir %s%s%n", cluster.restAddress(), dir,
                        broker == null ? "" : ", Kafka " + broker.bootstrapServers());
                System.err.println("grade cluster: submit the job jar from the dashboard (Submit New Job) or with "
                        + "curl -F jarfile=@flink-jobs/target/flink-jobs-0.1.0-SNAPSHOT-job.jar "
                        + cluster.restAddress() + "/jars/upload ; Ctrl-C stops the cluster");
                stop.await();
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
            return 0;
        }
    }
}
