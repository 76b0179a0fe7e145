package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The serving client against a real broker: replay, read_committed, validation, live swaps. */
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

            try (PolicyClient client = PolicyClient.builder(broker.bootstrapServers(), topic,
                    TestSnapshots.staticFallback("m")).build().start()) {
                assertThat(client.awaitWarmUp(Duration.ofSeconds(30))).isTrue();
                assertThat(client.current().version()).isEqualTo(2);
                assertThat(client.decodeFailures()).isEqualTo(1);
                assertThat(client.holder().rejectedInvalidCount()).isEqualTo(1);
                assertThat(client.otherModelRecords()).isEqualTo(1);

                commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 7, 7)));
                await().atMost(Duration.ofSeconds(20)).until(() -> client.current().version() == 7);
                commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 6, 6)));
                commit(producer, topic, "m", codec.encode(TestSnapshots.random("m", 8, 8)));
                await().atMost(Duration.ofSeconds(20)).until(() -> client.current().version() == 8);
                assertThat(client.holder().rejectedStaleCount()).isEqualTo(1);
                assertThat(client.failure()).isNull();
            }
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
