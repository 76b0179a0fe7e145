package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientPropertiesTest {

    @Test
    void shouldLetFlagEntriesOverrideTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "# comment\nsecurity.protocol = SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        assertThat(KafkaClientProperties.merge(file, List.of("sasl.mechanism=PLAIN", "a.b=x=y", "empty=")))
                .containsOnly(Map.entry("security.protocol", "SASL_SSL"), Map.entry("sasl.mechanism", "PLAIN"),
                        Map.entry("a.b", "x=y"), Map.entry("empty", ""));
        assertThat(KafkaClientProperties.merge(null, null)).isEmpty();
    }

    @Test
    void shouldMaskSecrets() {
        assertThat(KafkaClientProperties.masked(Map.of("sasl.jaas.config", "x password=\"p\";",
                "ssl.keystore.password", "k", "ssl.key.password", "k", "ssl.keystore.key", "pem",
                "security.protocol", "SASL_SSL")))
                .containsOnly(Map.entry("sasl.jaas.config", "******"), Map.entry("ssl.keystore.password", "******"),
                        Map.entry("ssl.key.password", "******"), Map.entry("ssl.keystore.key", "******"),
                        Map.entry("security.protocol", "SASL_SSL"));
        assertThat(KafkaClientProperties.masked("sasl.jaas.config=secret")).isEqualTo("sasl.jaas.config=******");
    }

    @Test
    void policyClientShouldRefuseWhatItControlsAndTakeTheRest() {
        ServingPolicy fallback = TestSnapshots.staticFallback("m");
        for (String key : List.of("isolation.level", "key.deserializer", "group.id", "enable.auto.commit",
                "bootstrap.servers")) {
            assertThatThrownBy(() -> PolicyClient.builder("localhost:9092", "t", fallback).kafkaProperty(key, "x").build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + key + "'")
                    .hasMessageContaining("PolicyClient");
        }
        try (PolicyClient c = PolicyClient.builder("localhost:9092", "t", fallback)
                .kafkaProperties(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN")).build()) {
            assertThat(c.current().version()).isZero();
        }
    }
}
