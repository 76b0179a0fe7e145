package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class GeneratorConfigTest {

    private static void rejects(UnaryOperator<GeneratorConfig.Builder> change, String option) {
        assertThatThrownBy(() -> change.apply(GeneratorConfig.builder("localhost:9092")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option);
    }

    @Test
    void shouldDefaultToTheContractTopicsAndUniformStaticWeights() {
        GeneratorConfig c = GeneratorConfig.builder("localhost:9092").build();
        assertThat(c.impressionsTopic()).isEqualTo("grade.impressions");
        assertThat(c.feedbackTopic()).isEqualTo("grade.feedback");
        assertThat(c.policyTopic()).isEqualTo("grade.policy");
        assertThat(c.modelId()).isEqualTo("default");
        assertThat(c.staticWeights()).containsExactly(0.25, 0.25, 0.25, 0.25);
        assertThat(c.explore()).isFalse();
        assertThat(c.malformedRate()).isZero();
        assertThat(c.requestIntervalEventMillis()).isEqualTo(1000.0 * 60 / 200);
    }

    @Test
    void shouldTakeExtraKafkaPropertiesAndRefuseThoseItControls() {
        GeneratorConfig c = GeneratorConfig.builder("b:1").kafkaProperty("security.protocol", "SASL_SSL")
                .kafkaProperty("sasl.mechanism", "PLAIN").build();
        assertThat(c.kafkaProperties()).containsOnlyKeys("security.protocol", "sasl.mechanism");
        rejects(b -> b.kafkaProperty("enable.idempotence", "false"), "'enable.idempotence'");
        rejects(b -> b.kafkaProperty("isolation.level", "read_uncommitted"), "'isolation.level'");
        rejects(b -> b.kafkaProperty("value.serializer", "x"), "'value.serializer'");
    }

    @Test
    void shouldNormaliseStaticWeights() {
        GeneratorConfig c = GeneratorConfig.builder("b:1").staticWeights(new double[] {2, 1, 1, 0}).build();
        assertThat(c.staticWeights()).containsExactly(0.5, 0.25, 0.25, 0.0);
    }

    @Test
    void shouldNameTheOptionThatIsWrong() {
        assertThatThrownBy(() -> GeneratorConfig.builder(" ").build()).hasMessageContaining("--bootstrap-servers");
        rejects(b -> b.rate(0), "--rate");
        rejects(b -> b.rate(Double.POSITIVE_INFINITY), "--rate");
        rejects(b -> b.speedup(-1), "--speedup");
        rejects(b -> b.duration(Duration.ZERO), "--duration");
        rejects(b -> b.maxRequests(-1), "--max-requests");
        rejects(b -> b.staticWeights(new double[] {1, 1}), "--static-weights");
        rejects(b -> b.staticWeights(new double[] {0, 0, 0, 0}), "--static-weights");
        rejects(b -> b.staticWeights(new double[] {1, -1, 1, 1}), "--static-weights");
        rejects(b -> b.sessionRequestsMean(0.5), "--session-requests");
        rejects(b -> b.sessionGapMean(Duration.ZERO), "--session-gap");
        rejects(b -> b.malformedRate(1.5), "--malformed-rate");
        rejects(b -> b.malformedRate(Double.NaN), "--malformed-rate");
        rejects(b -> b.oracleEvery(-1), "--oracle-every");
        rejects(b -> b.impressionsTopic(""), "--impressions-topic");
        rejects(b -> b.feedbackTopic("grade.impressions"), "--feedback-topic");
        rejects(b -> b.policyWarmUp(Duration.ofSeconds(-1)), "--policy-warm-up");
        rejects(b -> b.modelId(null), "--model-id");
    }
}
