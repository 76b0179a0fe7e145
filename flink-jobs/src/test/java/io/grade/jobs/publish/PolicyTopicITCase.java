package io.grade.jobs.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.ServingPolicy;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The policy topic contract and the warm start against a real broker. */
class PolicyTopicITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final List<String> TASKS = List.of("ctr", "cvr");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldCreateAMissingTopicCompactedAndAcceptItOnTheNextStart() throws Exception {
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy");
        try (Admin admin = KAFKA.broker().admin()) {
            PolicyTopic.ensure(admin, KAFKA.broker().bootstrapServers(), topic, 2_000_000, (short) 1, TIMEOUT);
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
            assertThat(c.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(c.get("max.message.bytes").value()).isEqualTo("2000000");
            PolicyTopic.ensure(admin, KAFKA.broker().bootstrapServers(), topic, 2_000_000, (short) 1, TIMEOUT); // idempotent
        }
    }

    @Test
    void shouldFailClearlyOnAMisconfiguredTopic() {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String deleting = EmbeddedKafkaBroker.uniqueTopic("policy-delete");
        broker.createTopic(deleting, 1, Map.of("cleanup.policy", "delete"));
        String small = EmbeddedKafkaBroker.uniqueTopic("policy-small");
        broker.createTopic(small, 1, Map.of("cleanup.policy", "compact", "max.message.bytes", "1000"));
        assertThatThrownBy(() -> PolicyTopic.ensure(broker.bootstrapServers(), deleting, 2_000_000, (short) 1, TIMEOUT))
                .hasMessageContaining(deleting).hasMessageContaining("cleanup.policy=compact");
        assertThatThrownBy(() -> PolicyTopic.ensure(broker.bootstrapServers(), small, 2_000_000, (short) 1, TIMEOUT))
                .hasMessageContaining(small).hasMessageContaining("max.message.bytes=1000");
    }

    @Test
    void concurrentEnsuresOfANewTopicShouldAllSucceedOnceTheMetadataAgrees() throws Exception {
        // Each racer sees the topic missing, one creates it, the others get TopicExistsException while
        // the topic may not be described yet: the race that ended in NoSuchElementException.
        String bootstrap = KAFKA.broker().bootstrapServers();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 3; round++) {
                String topic = EmbeddedKafkaBroker.uniqueTopic("policy-race");
                CyclicBarrier start = new CyclicBarrier(4);
                List<Future<?>> racers = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    racers.add(pool.submit(() -> {
                        start.await();
                        PolicyTopic.ensure(bootstrap, topic, 2_000_000, (short) 1, TIMEOUT);
                        return null;
                    }));
                }
                for (Future<?> f : racers) {
                    f.get(TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
                }
                try (Admin admin = KAFKA.broker().admin()) {
                    assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions())
                            .hasSize(1);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unreachableKafkaShouldFailFastNamingTheAddressAndTheTimeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String address = "127.0.0.1:" + port;
        Duration timeout = Duration.ofSeconds(3);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> PolicyTopic.ensure(address, "policy-nowhere", 2_000_000, (short) 1, timeout))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach Kafka at " + address)
                .hasMessageContaining("within 3 s")
                .hasMessageContaining("policy-nowhere");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).isLessThan(timeout.plusSeconds(10));
    }

    @Test
    void warmStartShouldFindTheNewestValidVersionOrNothing() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = compactedTopic("policy-warm");
        ServingPolicy fallback = fallback();
        assertThat(WarmStart.newest(broker.bootstrapServers(), topic, fallback, Duration.ofSeconds(30))).isEmpty();

        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            for (long v : new long[] {3, 9, 4}) {
                p.send(new ProducerRecord<>(topic, "m".getBytes(StandardCharsets.UTF_8), codec.encode(snapshot(v))));
            }
            PolicySnapshot corrupt = snapshot(12);
            corrupt.setChecksum(corrupt.getChecksum() + 1);
            p.send(new ProducerRecord<>(topic, "m".getBytes(StandardCharsets.UTF_8), codec.encode(corrupt)));
        }
        Optional<PolicySnapshot> newest = WarmStart.newest(broker.bootstrapServers(), topic, fallback, Duration.ofSeconds(30));
        assertThat(newest).map(PolicySnapshot::getVersion).contains(9L);
    }

    @Test
    void aVerifyingWarmStartShouldContinueOnlyFromSnapshotsTheJobSigned() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = compactedTopic("policy-signed");
        ServingPolicy fallback = fallback();
        java.security.KeyPair job = io.grade.model.policy.PolicySignatures.generateKeyPair();
        java.security.KeyPair attacker = io.grade.model.policy.PolicySignatures.generateKeyPair();
        byte[] key = "m".getBytes(StandardCharsets.UTF_8);
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            p.send(new ProducerRecord<>(topic, key, codec.encode(
                    io.grade.model.policy.PolicySignatures.sign(snapshot(3), job.getPrivate()))));
            p.send(new ProducerRecord<>(topic, key, codec.encode(snapshot(7)))); // unsigned, valid checksum
            p.send(new ProducerRecord<>(topic, key, codec.encode(
                    io.grade.model.policy.PolicySignatures.sign(snapshot(9), attacker.getPrivate()))));
        }
        // without a key the newest valid record wins, whoever wrote it
        assertThat(WarmStart.newest(broker.bootstrapServers(), topic, fallback, TIMEOUT))
                .map(PolicySnapshot::getVersion).contains(9L);
        // with the job's public key only its own snapshot counts
        assertThat(WarmStart.newest(broker.bootstrapServers(), Map.of(), topic, fallback,
                io.grade.model.policy.SnapshotExpectations.DEFAULT_MAX_VERSION_JUMP, job.getPublic(), TIMEOUT))
                .map(PolicySnapshot::getVersion).contains(3L);
    }

    @Test
    void warmStartShouldSkipPoisonedSnapshotsAndRefuseATopicWithNothingValid() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = compactedTopic("policy-poison");
        ServingPolicy fallback = fallback();
        byte[] key = "m".getBytes(StandardCharsets.UTF_8);
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            p.send(new ProducerRecord<>(topic, key, codec.encode(poisoned(Long.MAX_VALUE, s -> { }))));
            p.send(new ProducerRecord<>(topic, key, codec.encode(poisoned(4, s -> s.setFusion(FusionKind.LINEAR)))));
            p.send(new ProducerRecord<>(topic, key, codec.encode(poisoned(4, s -> s.setBetas(List.of(-1e9, -1e9))))));
            p.send(new ProducerRecord<>(topic, key, codec.encode(poisoned(4, s -> s.setAlphaHat(-5.0)))));
            p.send(new ProducerRecord<>(topic, key, codec.encode(poisoned(4, s -> s.setAlphaMin(-0.01)))));
        }
        // Only poison: a cold start would go back to v1 below what serving may hold.
        assertThatThrownBy(() -> WarmStart.newest(broker.bootstrapServers(), topic, fallback, TIMEOUT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(topic)
                .hasMessageContaining("VERSION_OUT_OF_RANGE").hasMessageContaining("FUSION_MISMATCH")
                .hasMessageContaining("BETAS_MISMATCH").hasMessageContaining("NON_POSITIVE_CONCENTRATION");

        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            p.send(new ProducerRecord<>(topic, key, codec.encode(snapshot(5))));
            p.send(new ProducerRecord<>(topic, key, codec.encode(poisoned(5 + 1_000, s -> { })))); // jump > 100
            p.send(new ProducerRecord<>(topic, key, codec.encode(snapshot(6))));
        }
        assertThat(WarmStart.newest(broker.bootstrapServers(), topic, fallback, 100, TIMEOUT))
                .map(PolicySnapshot::getVersion).contains(6L);
    }

    private static String compactedTopic(String prefix) {
        String topic = EmbeddedKafkaBroker.uniqueTopic(prefix);
        KAFKA.broker().createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        return topic;
    }

    private static ServingPolicy fallback() {
        return ServingPolicy.staticWeights("m", TASKS, 3, FusionKind.LOG_LINEAR, new double[] {0, 0},
                new double[] {1, 1});
    }

    /** A snapshot whose metadata is edited after the fact, its checksum recomputed (it covers the tensors). */
    static PolicySnapshot poisoned(long version, Consumer<PolicySnapshot> edit) {
        PolicySnapshot s = snapshot(1);
        s.setVersion(version);
        edit.accept(s);
        s.setChecksum(io.grade.model.policy.PolicyChecksum.compute(s.getParameters()));
        return s;
    }

    static PolicySnapshot snapshot(long version) {
        PolicyArchitecture arch = new PolicyArchitecture(3, 1, 2, 2, 2, 1e-3);
        PolicyParameters.Builder b = PolicyParameters.builder();
        arch.parameterShapes().forEach((name, shape) -> {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            double[] v = new double[n];
            java.util.Arrays.fill(v, 0.01 * version);
            b.put(name, shape, v);
        });
        return PolicySnapshots.toSnapshot(arch, b.build(), new SnapshotMetadata("m", version, Instant.EPOCH,
                Instant.EPOCH, TASKS, FusionKind.LOG_LINEAR, new double[] {0, 0}, 5, 0.01,
                new TrainingStats(0.0, 0.0, 0.0, 0L, 0L)));
    }

    @Test
    void freshStartShouldPreferTheTopicThenTheStage1FileAndRejectABadFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy-stage1");
        java.nio.file.Path stage1 = dir.resolve("stage1.bin");
        byte[] stage1Bytes = EventCodec.policySnapshots().encode(snapshot(1));
        java.nio.file.Files.write(stage1, stage1Bytes);
        String[] args = {"--bootstrap-servers", broker.bootstrapServers(), "--policy-topic", topic,
            "--tasks", "ctr;cvr", "--feedback-tasks", "click:ctr,order:cvr", "--feature-dim", "3",
            "--betas", "0;0", "--experts", "1", "--hidden", "2", "--tower", "2", "--model-id", "m",
            "--stage1-snapshot", stage1.toString()};

        // Empty (new) policy topic: the Stage 1 file is the starting point, and the topic now exists.
        io.grade.jobs.GradeJob.Job job = io.grade.jobs.GradeJob.prepare(args);
        assertThat(job.warmStartSnapshot()).isEqualTo(stage1Bytes);

        // Once the topic holds a version, a fresh start continues from it instead.
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            p.send(new ProducerRecord<>(topic, "m".getBytes(StandardCharsets.UTF_8),
                    EventCodec.policySnapshots().encode(snapshot(9))));
        }
        PolicySnapshot warm = EventCodec.policySnapshots().decode(io.grade.jobs.GradeJob.prepare(args).warmStartSnapshot()).value();
        assertThat(warm.getVersion()).isEqualTo(9);

        // A poisoned snapshot on the topic does not move a fresh start past the genuine v9.
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            p.send(new ProducerRecord<>(topic, "m".getBytes(StandardCharsets.UTF_8),
                    EventCodec.policySnapshots().encode(poisoned(Long.MAX_VALUE, s -> { }))));
        }
        PolicySnapshot still = EventCodec.policySnapshots().decode(io.grade.jobs.GradeJob.prepare(args).warmStartSnapshot()).value();
        assertThat(still.getVersion()).isEqualTo(9);

        java.nio.file.Files.write(stage1, new byte[] {1, 2, 3});
        String[] bad = args.clone();
        bad[3] = EmbeddedKafkaBroker.uniqueTopic("policy-empty");
        assertThatThrownBy(() -> io.grade.jobs.GradeJob.prepare(bad))
                .hasMessageContaining("stage1-snapshot");
    }
}
