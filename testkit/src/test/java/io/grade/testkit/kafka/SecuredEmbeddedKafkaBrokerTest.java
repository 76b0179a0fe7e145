package io.grade.testkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The secured broker: SASL/PLAIN users, ACLs enforced, the super user's helpers, anonymous clients denied. */
class SecuredEmbeddedKafkaBrokerTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.secured(Map.of("alice", "alice-secret"));

    @Test
    void shouldAuthenticateUsersAndEnforceAcls() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        assertThat(broker.secured()).isTrue();
        String topic = EmbeddedKafkaBroker.uniqueTopic("acl");
        broker.createTopic(topic, 1); // as the super user
        // TopicAuthorizationException, or ClusterAuthorizationException when the idempotent producer's
        // InitProducerId is refused first
        assertThat(send(broker.bootstrapServers(), broker.clientProperties("alice"), topic))
                .isInstanceOf(AuthorizationException.class);
        assertThat(send(broker.anonymousBootstrapServers(), Map.of(), topic))
                .isInstanceOf(AuthorizationException.class);
        try (Admin admin = broker.admin()) {
            admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                    new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        assertThat(send(broker.bootstrapServers(), broker.clientProperties("alice"), topic)).isNull();
        assertThat(broker.readAll(topic)).hasSize(1);
        assertThatThrownBy(() -> broker.clientProperties("mallory")).hasMessageContaining("mallory");
    }

    /** Null when the record was written, else the failure's cause. */
    private static Throwable send(String bootstrapServers, Map<String, String> security, String topic) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        byte[] v = "v".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, v, v)).get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }
}
