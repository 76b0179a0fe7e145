package io.grade.testkit.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker, in KRaft mode with broker and controller combined in one node, running
 * in-process on free loopback ports with its log in a temporary directory. Used by the tests and
 * by the demo; the same Kafka version as the clients.
 *
 * <p>{@link #startSecured} starts it secured instead: clients authenticate with SASL/PLAIN on a
 * SASL_PLAINTEXT listener ({@link #bootstrapServers()}), the broker-to-controller and inter-broker
 * traffic use it too as the super user {@value #ADMIN}, the KRaft {@code StandardAuthorizer}
 * enforces ACLs (none at start: only the super user may do anything), and a PLAINTEXT listener
 * ({@link #anonymousBootstrapServers()}) lets unauthenticated clients in as {@code User:ANONYMOUS}.
 * The instance helpers (admin client, topics, producer and consumer properties, readAll) act as
 * the super user.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = "127.0.0.1";
    /** The super user of a secured broker (its credentials: {@link #adminClientProperties()}). */
    public static final String ADMIN = "admin";
    /** The authorizer of a secured broker: KRaft's, ACLs kept in the metadata log. */
    public static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    private final Path logDir;
    private final int brokerPort;
    private final KafkaRaftServer server;
    /** SASL/PLAIN users (name -> password, the super user included); null when not secured. */
    private final Map<String, String> users;
    /** Port of the PLAINTEXT listener of a secured broker (User:ANONYMOUS); -1 when not secured. */
    private final int anonymousPort;
    private volatile boolean closed;

    private EmbeddedKafkaBroker(Path logDir, int brokerPort, KafkaRaftServer server, Map<String, String> users,
                                int anonymousPort) {
        this.logDir = logDir;
        this.brokerPort = brokerPort;
        this.server = server;
        this.users = users;
        this.anonymousPort = anonymousPort;
    }

    /** Starts a broker with defaults suited to one node (replication factor 1 everywhere). */
    public static EmbeddedKafkaBroker start() {
        return start(Map.of());
    }

    /** Starts a broker; {@code overrides} are broker properties applied last. */
    public static EmbeddedKafkaBroker start(Map<String, String> overrides) {
        return start(overrides, null);
    }

    /**
     * Starts a secured broker (see the class comment) whose SASL/PLAIN users are {@code users}
     * (name -> password) plus the super user {@value #ADMIN} with a random password.
     */
    public static EmbeddedKafkaBroker startSecured(Map<String, String> users) {
        return startSecured(users, Map.of());
    }

    /** As {@link #startSecured(Map)}; {@code overrides} are broker properties applied last. */
    public static EmbeddedKafkaBroker startSecured(Map<String, String> users, Map<String, String> overrides) {
        Map<String, String> all = new TreeMap<>(users);
        if (all.containsKey(ADMIN)) {
            throw new IllegalArgumentException("user " + ADMIN + " is the broker's own super user");
        }
        all.put(ADMIN, "admin-" + UUID.randomUUID());
        all.forEach((name, password) -> {
            if (!name.matches("[A-Za-z0-9._-]+") || password.contains("\"")) {
                throw new IllegalArgumentException("user names are [A-Za-z0-9._-]+ and passwords hold no '\"': " + name);
            }
        });
        return start(overrides, Map.copyOf(all));
    }

    private static EmbeddedKafkaBroker start(Map<String, String> overrides, Map<String, String> users) {
        long t0 = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("grade-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's log directory", e);
        }
        // Free ports are probed then bound by Kafka: a tiny race window, retried once below.
        for (int attempt = 1; ; attempt++) {
            int brokerPort = freePort();
            int controllerPort = freePort();
            int anonymousPort = users == null ? -1 : freePort();
            try {
                Map<String, String> props = brokerProperties(dir, brokerPort, controllerPort);
                if (users != null) {
                    props.putAll(securedProperties(brokerPort, controllerPort, anonymousPort, users));
                }
                props.putAll(overrides);
                KafkaConfig config = new KafkaConfig(props, false);
                format(config, dir);
                KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, brokerPort, server, users, anonymousPort);
                broker.awaitReady();
                LOG.info("Kafka broker up at {} in {} ms", broker.bootstrapServers(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                return broker;
            } catch (RuntimeException e) {
                if (attempt >= 2) {
                    deleteRecursively(dir);
                    throw e;
                }
                LOG.warn("broker start failed (attempt {}), retrying on other ports: {}", attempt, e.toString());
                deleteRecursively(dir);
                try {
                    Files.createDirectories(dir);
                } catch (IOException io) {
                    throw new UncheckedIOException(io);
                }
            }
        }
    }

    private static Map<String, String> brokerProperties(Path dir, int brokerPort, int controllerPort) {
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        return p;
    }

    /**
     * Listeners and security of a secured broker: SASL (SASL_PLAINTEXT, clients and inter-broker),
     * PLAINTEXT (anonymous clients), CONTROLLER (SASL_PLAINTEXT); PLAIN users from the JAAS
     * configuration of each SASL listener; the StandardAuthorizer with the super user.
     */
    private static Map<String, String> securedProperties(int brokerPort, int controllerPort, int anonymousPort,
                                                         Map<String, String> users) {
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                .append(" username=\"").append(ADMIN).append("\" password=\"").append(users.get(ADMIN)).append('"');
        users.forEach((name, password) -> jaas.append(" user_").append(name).append("=\"").append(password).append('"'));
        jaas.append(';');
        Map<String, String> p = new HashMap<>();
        p.put("listeners", "SASL://" + HOST + ":" + brokerPort + ",PLAINTEXT://" + HOST + ":" + anonymousPort
                + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "SASL://" + HOST + ":" + brokerPort + ",PLAINTEXT://" + HOST + ":" + anonymousPort);
        p.put("listener.security.protocol.map", "SASL:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        p.put("inter.broker.listener.name", "SASL");
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.sasl.plain.sasl.jaas.config", jaas.toString());
        p.put("listener.name.controller.plain.sasl.jaas.config", jaas.toString());
        p.put("authorizer.class.name", AUTHORIZER);
        p.put("super.users", "User:" + ADMIN);
        return p;
    }

    private static void format(KafkaConfig config, Path dir) {
        try {
            new Formatter()
                    .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(1)
                    .setDirectories(List.of(dir.toString()))
                    .setMetadataLogDirectory(dir.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format KRaft storage in " + dir, e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka broker did not become ready in 60 s", e);
                    }
                }
                sleep(50);
            }
        }
    }

    /** host:port of the PLAINTEXT listener, or of the SASL listener of a secured broker. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /** Whether the broker was started by {@link #startSecured}. */
    public boolean secured() {
        return users != null;
    }

    /** host:port of a secured broker's PLAINTEXT listener, where clients are {@code User:ANONYMOUS}. */
    public String anonymousBootstrapServers() {
        if (!secured()) {
            throw new IllegalStateException("the broker is not secured: bootstrapServers() is its PLAINTEXT listener");
        }
        return HOST + ":" + anonymousPort;
    }

    /**
     * The client properties of a user of a secured broker: security.protocol SASL_PLAINTEXT,
     * sasl.mechanism PLAIN and the user's sasl.jaas.config.
     */
    public Map<String, String> clientProperties(String user) {
        if (!secured() || !users.containsKey(user)) {
            throw new IllegalArgumentException(secured() ? "no user " + user + " (users: " + users.keySet() + ")"
                    : "the broker is not secured");
        }
        return saslPlainProperties(user, users.get(user));
    }

    /** SASL/PLAIN over SASL_PLAINTEXT client properties of any user and password. */
    public static Map<String, String> saslPlainProperties(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    /** The super user's client properties on a secured broker, else none. */
    public Map<String, String> adminClientProperties() {
        return secured() ? clientProperties(ADMIN) : Map.of();
    }

    /** A new admin client (the super user on a secured broker); the caller closes it. */
    public Admin admin() {
        Properties p = new Properties();
        p.putAll(adminClientProperties());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(p);
    }

    /** A new admin client for any broker; the caller closes it. */
    public static Admin admin(String bootstrapServers) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(p);
    }

    /** Creates topics and waits until they exist. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)));
    }

    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = admin()) {
            createTopics(admin, topics);
        }
    }

    /** Creates topics on any broker and waits until they exist. */
    public static void createTopics(String bootstrapServers, Collection<NewTopic> topics) {
        try (Admin admin = admin(bootstrapServers)) {
            createTopics(admin, topics);
        }
    }

    private static void createTopics(Admin admin, Collection<NewTopic> topics) {
        try {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics " + topics, e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + topics, e);
        }
    }

    /** A fresh topic name for one test: topics are never shared between tests. */
    public static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Producer properties with byte-array serializers (the super user on a secured broker). */
    public Properties producerProperties() {
        Properties p = new Properties();
        p.putAll(adminClientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return p;
    }

    /** Consumer properties with byte-array deserializers, reading committed data from the beginning. */
    public Properties consumerProperties(String groupId) {
        Properties p = consumerProperties(bootstrapServers(), groupId);
        p.putAll(adminClientProperties());
        return p;
    }

    /** The same for any broker. */
    public static Properties consumerProperties(String bootstrapServers, String groupId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }

    /** Every committed record of {@code topic} on this broker (see {@link #readAll(String, String, Duration)}). */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return readAll(consumerProperties("grade-read-all"), topic, Duration.ofSeconds(30));
    }

    /**
     * Every committed record of {@code topic}, all partitions, from the beginning up to the end
     * offsets at the time of the call ({@code read_committed}, no consumer group offsets used).
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrapServers, String topic, Duration timeout) {
        return readAll(consumerProperties(bootstrapServers, "grade-read-all"), topic, timeout);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(Properties consumer, String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumer)) {
            List<TopicPartition> parts = c.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The broker's log directory. */
    public Path logDirectory() {
        return logDir;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            deleteRecursively(logDir);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
