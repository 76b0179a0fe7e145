package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.grade.model.policy.PolicyKeys;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotProblem;
import io.grade.model.policy.SnapshotValidator;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import io.grade.testkit.kafka.KafkaBrokerProcess;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The serving client against a real broker: replay, read_committed, strict validation, live swaps,
 * a topic created after the client started, a broker restart under a running client, and
 * signature verification against forged snapshots.
 */
class PolicyClientITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private final EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();

    @Test
    void shouldReplayCommittedVersionsKeepTheLastGoodAndFollowNewOnes() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy");
        broker.createTopic(topic, 2, Map.of("cleanup.policy", "compact"));
        Properties props = broker.producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "publisher-" + topic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 1, 1)));
            commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 2, 2)));
            producer.beginTransaction(); // never committed: read_committed must not see v3
            producer.send(record(topic, "m", codec.encode(TestSnapshots.random("m", 3, 3))));
            producer.flush();
            producer.abortTransaction();
            commit(producer, topic, "m", new byte[] {1, 2, 3}); // garbage on the topic
            PolicySnapshot tampered = TestSnapshots.random("m", 4, 4);
            tampered.setChecksum(tampered.getChecksum() + 1);
            commit(producer, topic, "m", codec.encode(tampered));
            commit(producer, topic, "other", codec.encode(TestSnapshots.random("other", 50, 5)));
            // a poison snapshot with a valid checksum: before strict checks, every later version was "stale"
            commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", Long.MAX_VALUE, 9)));

            try (PolicyClient client = PolicyClient.builder(broker.bootstrapServers(), topic,
                    TestSnapshots.staticFallback("m")).build().start()) {
                assertThat(client.awaitWarmUp(Duration.ofSeconds(30))).isTrue();
                assertThat(client.current().version()).isEqualTo(2);
                assertThat(client.decodeFailures()).isEqualTo(1);
                assertThat(client.holder().rejectedInvalidCount()).isEqualTo(2);
                assertThat(client.otherModelRecords()).isEqualTo(1);
                PolicyClientHealth health = client.health();
                assertThat(health.rejections(SnapshotProblem.Kind.CHECKSUM_MISMATCH)).isEqualTo(1);
                assertThat(health.rejections(SnapshotProblem.Kind.VERSION_OUT_OF_RANGE)).isEqualTo(1);
                assertThat(health.connected()).isTrue();
                assertThat(health.warmedUp()).isTrue();
                assertThat(health.servedVersion()).isEqualTo(2);
                assertThat(health.lastAcceptedAt()).isNotNull();

                commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 7, 7)));
                await().atMost(Duration.ofSeconds(20)).until(() -> client.current().version() == 7);
                commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 6, 6)));
                commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 8, 8)));
                await().atMost(Duration.ofSeconds(20)).until(() -> client.current().version() == 8);
                assertThat(client.holder().rejectedStaleCount()).isEqualTo(1);
                assertThat(client.failure()).isNull();
                assertThat(client.health().failures()).isZero();
            }
        }
    }

    @Test
    void withAPublicKeyShouldRejectAForgedSnapshotWithAValidChecksumAndAnUnsignedOne(@TempDir Path dir)
            throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy-signed");
        broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        KeyPair job = PolicySignatures.generateKeyPair();
        Path publicKey = dir.resolve("policy.pub");
        PolicyKeys.write(publicKey, job.getPublic());
        PolicySnapshot v1 = PolicySignatures.sign(TestSnapshots.random("m", 1, 1), job.getPrivate());
        PolicySnapshot forged = TestSnapshots.forged(v1, 2); // valid checksum, all weight on ctr, v1's signature
        assertThat(SnapshotValidator.validate(forged)).isEmpty();
        Properties props = broker.producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "publisher-" + topic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
             PolicyClient verifying = PolicyClient.builder(broker.bootstrapServers(), topic,
                     TestSnapshots.staticFallback("m")).verifyWithKeyFile(publicKey).build().start();
             PolicyClient unverified = PolicyClient.builder(broker.bootstrapServers(), topic,
                     TestSnapshots.staticFallback("m")).build().start()) {
            producer.initTransactions();
            commit(producer, topic, "m", codec.encode(v1));
            await().atMost(Duration.ofSeconds(30)).until(() -> verifying.current().version() == 1);

            commit(producer, topic, "m", codec.encode(forged));
            commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 3, 3))); // unsigned
            await().atMost(Duration.ofSeconds(30)).until(() -> verifying.holder().rejectedInvalidCount() == 2);
            PolicyClientHealth h = verifying.health();
            assertThat(h.servedVersion()).isEqualTo(1);
            assertThat(h.rejections(SnapshotProblem.Kind.SIGNATURE_INVALID)).isEqualTo(1);
            assertThat(h.rejections(SnapshotProblem.Kind.SIGNATURE_MISSING)).isEqualTo(1);
            assertThat(h.running()).isTrue();
            assertThat(h.failures()).isZero();
            float[] x = TestSnapshots.features(5);
            double[] served = new double[4];
            verifying.current().weights(x, served);
            double[] good = new double[4];
            PolicySnapshots.forward(v1).weights(x, good);
            assertThat(served).containsExactly(good, within(0.0));

            // without a key the same forgery is served: this is what signing prevents
            await().atMost(Duration.ofSeconds(30)).until(() -> unverified.current().version() == 3);
            assertThat(unverified.holder().acceptedCount()).isEqualTo(3);

            commit(producer, topic, "m", codec.encode(PolicySignatures.sign(TestSnapshots.random("m", 4, 4),
                    job.getPrivate())));
            await().atMost(Duration.ofSeconds(30)).until(() -> verifying.current().version() == 4);
            assertThat(verifying.health().accepted()).isEqualTo(2);
        }
        double[] adversarial = new double[4];
        PolicySnapshots.forward(forged).weights(TestSnapshots.features(5), adversarial);
        assertThat(adversarial[0]).isGreaterThan(0.99);
    }

    @Test
    void shouldWaitForATopicCreatedAfterItStarted() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy-late");
        try (PolicyClient client = fastRetrying(broker.bootstrapServers(), topic).build().start()) {
            // one consistent view: retried at least twice, the last failure being the missing topic
            AtomicReference<PolicyClientHealth> seen = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                PolicyClientHealth h = client.health();
                seen.set(h);
                return h.failures() >= 2 && h.lastError() != null && h.lastError().contains("does not exist");
            });
            PolicyClientHealth missing = seen.get();
            assertThat(missing.lastError()).contains(topic, "does not exist", broker.bootstrapServers());
            assertThat(missing.lastErrorAt()).isNotNull();
            assertThat(missing.connected()).isTrue(); // the broker answered: only the topic is missing
            assertThat(missing.warmedUp()).isFalse();
            assertThat(missing.running()).isTrue();
            assertThat(client.current().isStatic()).isTrue();

            broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
                producer.send(record(topic, "m", codec.encode(TestSnapshots.random("m", 1, 1)))).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> client.current().version() == 1);
            assertThat(client.awaitWarmUp(Duration.ofSeconds(30))).isTrue();
            assertThat(client.health().consecutiveFailures()).isZero();
        }
    }

    @Test
    void shouldSurviveABrokerRestartAndPickUpTheNextVersion(@TempDir Path dir) throws Exception {
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"))) {
            String topic = EmbeddedKafkaBroker.uniqueTopic("policy-restart");
            EmbeddedKafkaBroker.createTopics(broker.bootstrapServers(),
                    List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))));
            publish(broker.bootstrapServers(), topic, TestSnapshots.random("m", 1, 1));
            try (PolicyClient client = fastRetrying(broker.bootstrapServers(), topic).build().start()) {
                assertThat(client.awaitWarmUp(Duration.ofSeconds(60))).isTrue();
                assertThat(client.current().version()).isEqualTo(1);

                long stopAt = System.nanoTime();
                broker.stop();
                long stopped = System.nanoTime();
                // noticed by the heartbeat, then retried with backoff; the held version keeps being served
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    PolicyClientHealth h = client.health();
                    return !h.connected() && h.failures() >= 2;
                });
                long noticed = System.nanoTime();
                assertThat(client.health().lastError()).isNotNull();
                assertThat(client.health().running()).isTrue();
                assertThat(client.current().version()).isEqualTo(1);

                broker.restart();
                long restarted = System.nanoTime();
                publish(broker.bootstrapServers(), topic, TestSnapshots.random("m", 2, 2));
                long published = System.nanoTime();
                await().atMost(Duration.ofSeconds(90)).until(() -> client.current().version() == 2);
                long served = System.nanoTime();
                System.out.printf("broker restart: stop took %d ms, client disconnected + 2 failures %d ms after the stop, "
                        + "restart took %d ms, v2 served %d ms after it was published (%d failures in all)%n",
                        ms(stopped - stopAt), ms(noticed - stopped), ms(restarted - noticed),
                        ms(served - published), client.health().failures());
                await().atMost(Duration.ofSeconds(30)).until(() -> client.health().connected());
                PolicyClientHealth h = client.health();
                assertThat(h.consecutiveFailures()).isZero();
                assertThat(h.accepted()).isEqualTo(2);
                assertThat(h.rejectedStale()).isZero(); // resumed from its offset: v1 was not read twice
                assertThat(h.sinceLastAccepted()).isNotNull();
            }
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static PolicyClient.Builder fastRetrying(String bootstrap, String topic) {
        return PolicyClient.builder(bootstrap, topic, TestSnapshots.staticFallback("m"))
                .requestTimeout(Duration.ofSeconds(3))
                .metadataInterval(Duration.ofSeconds(1))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    private void publish(String bootstrap, String topic, PolicySnapshot s) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(record(topic, "m", codec.encode(s))).get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static void commit(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        producer.beginTransaction();
        producer.send(record(topic, key, value));
        producer.commitTransaction();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }
}
