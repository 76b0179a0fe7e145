package io.grade.testkit.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker (KRaft, combined broker and controller) in its own JVM: storage formatted
 * with {@code kafka.tools.StorageTool}, then {@code kafka.Kafka} started on free loopback ports,
 * as an operator would run it. For tests of the deployed shape (separate broker, JobManager and
 * TaskManager processes); {@link #stop()} and {@link #restart()} take it down and bring it back on
 * the same ports and log directory (a broker restart as clients see it); {@link #close()} stops
 * the process and deletes its data.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private static final String HOST = "127.0.0.1";

    private volatile Process process;
    private final int port;
    private final Path dir;

    private KafkaBrokerProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    private static Process launch(Path dir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        return new ProcessBuilder(java, "-Xmx512m", "-cp", cp, "kafka.Kafka", dir.resolve("server.properties").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.out").toFile())).start();
    }

    /** Formats storage under {@code dir} and starts the broker with this JVM's classpath. */
    public static KafkaBrokerProcess start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = freePort();
        int controller = freePort();
        Path logs = Files.createDirectories(dir.resolve("data"));
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.voters=1@" + HOST + ":" + controller,
                "listeners=PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controller,
                "advertised.listeners=PLAINTEXT://" + HOST + ":" + port,
                "controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + logs, "num.partitions=1", "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1", "group.initial.rebalance.delay.ms=0", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process format = new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("format.out").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("kafka StorageTool format failed; see " + dir.resolve("format.out"));
        }
        Process broker = launch(dir);
        KafkaBrokerProcess p = new KafkaBrokerProcess(broker, port, dir);
        try {
            p.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("broker process exited with " + process.exitValue()
                            + "; see " + dir.resolve("broker.out"));
                }
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    Thread.sleep(200);
                }
            }
        }
        throw new IllegalStateException("broker not ready within " + timeout + "; see " + dir.resolve("broker.out"));
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** The process id, for tests that want to see it is a separate process. */
    public long pid() {
        return process.pid();
    }

    /**
     * Stops the broker (SIGTERM, a controlled shutdown; forcibly after 30 s) and keeps its log
     * directory and ports for {@link #restart()}. Clients see the broker go away.
     */
    public synchronized void stop() {
        Process p = process;
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** True while the broker process runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Starts a stopped broker again with the same configuration, ports and data (topics, offsets
     * and committed records survive) and waits until it answers. The ports were free when the
     * broker first started; another process taking one while the broker is down makes this fail
     * with the broker's log named.
     */
    public synchronized void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("broker at " + bootstrapServers() + " still runs; stop() it first");
        }
        process = launch(dir);
        awaitReady(Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        stop();
        EmbeddedKafkaBroker.deleteRecursively(dir.resolve("data"));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
