package io.grade.testkit.zookeeper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node ZooKeeper server (org.apache.zookeeper from Maven Central) in this JVM, on a
 * free loopback port: the coordination service of the standalone cluster's JobManager high
 * availability (leader election, the job graph store, the checkpoint counter and store). It lives
 * in the launcher's or the test's JVM, so a killed JobManager or TaskManager process does not take
 * it along.
 *
 * <p>Tick 500 ms: sessions may last 1 to 10 s (ZooKeeper's 2 and 20 ticks), so a JobManager that
 * was killed loses its leadership within {@link #SESSION_TIMEOUT_MS} and a new one takes over.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    private static final int TICK_MS = 500;
    /** The client session timeout the cluster asks for (high-availability.zookeeper.client.session-timeout). */
    public static final int SESSION_TIMEOUT_MS = 6_000;

    private final ZooKeeperServer server;
    private final ServerCnxnFactory factory;
    private final int port;

    private EmbeddedZooKeeper(ZooKeeperServer server, ServerCnxnFactory factory, int port) {
        this.server = server;
        this.factory = factory;
        this.port = port;
    }

    /** Starts a server keeping its snapshots and transaction log under {@code dataDir}. */
    public static EmbeddedZooKeeper start(Path dataDir) throws IOException, InterruptedException {
        // no four-letter-word or admin HTTP endpoints: nothing but the client port is opened
        System.setProperty("zookeeper.admin.enableServer", "false");
        Path snap = Files.createDirectories(dataDir.resolve("snapshots"));
        Path log = Files.createDirectories(dataDir.resolve("log"));
        ZooKeeperServer server = new ZooKeeperServer(snap.toFile(), log.toFile(), TICK_MS);
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            ServerCnxnFactory factory = ServerCnxnFactory.createFactory();
            try {
                factory.configure(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 100);
                factory.startup(server);
                LOG.info("ZooKeeper server up on 127.0.0.1:{} (data {})", port, dataDir);
                return new EmbeddedZooKeeper(server, factory, port);
            } catch (IOException portTakenMeanwhile) {
                factory.shutdown();
                last = portTakenMeanwhile;
            }
        }
        throw new IOException("could not start a ZooKeeper server on a free loopback port", last);
    }

    /** host:port for {@code high-availability.zookeeper.quorum}. */
    public String connectString() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        factory.shutdown();
        server.shutdown();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
