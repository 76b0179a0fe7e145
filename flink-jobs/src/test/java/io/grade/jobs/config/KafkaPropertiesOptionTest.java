package io.grade.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.jobs.kafka.KafkaConnectors;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --kafka-property (repeatable) and --kafka-properties FILE: parsed, merged, refused, masked. */
class KafkaPropertiesOptionTest {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"job\" password=\"job-secret\";";

    @Test
    void shouldMergeTheFileWithRepeatedFlagsThatOverrideIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nssl.truststore.password=trust-secret\nsasl.mechanism=SCRAM-SHA-512\n");
        GradeConfig c = CommandLine.parse(new String[] {"--kafka-properties", file.toString(),
                "--kafka-property", "sasl.mechanism=PLAIN", "--kafka-property=sasl.jaas.config=" + JAAS});
        assertThat(c.kafkaProperties()).containsOnly(Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("ssl.truststore.password", "trust-secret"), Map.entry("sasl.mechanism", "PLAIN"),
                Map.entry("sasl.jaas.config", JAAS));
        // secrets never reach the logged, dashboard-visible effective configuration
        assertThat(c.effectiveOptions().get("kafka-property"))
                .isEqualTo("sasl.mechanism=PLAIN, sasl.jaas.config=******");
        assertThat(c.effectiveOptions().toString()).doesNotContain("job-secret", "trust-secret");
        assertThat(c.toString()).doesNotContain("job-secret");
    }

    @Test
    void shouldReachEveryClientOfTheJob() throws Exception {
        GradeConfig c = CommandLine.parse(new String[] {"--kafka-property", "security.protocol=SASL_PLAINTEXT",
                "--kafka-property", "linger.ms=50"});
        assertThat(KafkaConnectors.clientProperties(c)).containsEntry("security.protocol", "SASL_PLAINTEXT");
        assertThat(KafkaConnectors.deadLetterProducerProperties(c))
                .containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("linger.ms", "50") // a tunable default the flag may change
                .containsEntry("acks", "all");
        assertThat(sourceProperties(KafkaConnectors.source(c)))
                .containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("isolation.level", "read_committed");
    }

    /** The source's consumer properties (the connector keeps them private). */
    private static Properties sourceProperties(KafkaSource<?> source) throws ReflectiveOperationException {
        Field f = KafkaSource.class.getDeclaredField("props");
        f.setAccessible(true);
        return (Properties) f.get(source);
    }

    @Test
    void shouldRefuseThePropertiesTheJobControlsNamingThem(@TempDir Path dir) throws Exception {
        for (String key : new String[] {"transactional.id", "isolation.level", "enable.idempotence", "group.id",
                "key.serializer", "value.deserializer", "bootstrap.servers", "transaction.timeout.ms"}) {
            assertThatThrownBy(() -> CommandLine.parse(new String[] {"--kafka-property", key + "=x"}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + key + "'").hasMessageContaining("--kafka-property");
        }
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "isolation.level=read_uncommitted\n");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--kafka-properties", file.toString()}))
                .hasMessageContaining("'isolation.level'").hasMessageContaining("read_committed");
    }

    @Test
    void shouldFailAtStartUpOnAMissingFileOrAMalformedEntry(@TempDir Path dir) {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--kafka-properties", dir.resolve("nope").toString()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--kafka-properties")
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--kafka-property", "security.protocol"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--kafka-property")
                .hasMessageContaining("key=value");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--kafka-property", "=SASL"}))
                .hasMessageContaining("--kafka-property").hasMessageContaining("empty key");
        // a malformed secret is not echoed
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--kafka-property", "password-only"}))
                .hasMessageNotContaining("password-only");
    }
}
