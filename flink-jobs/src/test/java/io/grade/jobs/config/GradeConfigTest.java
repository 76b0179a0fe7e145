package io.grade.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.schemas.FusionKind;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GradeConfigTest {

    @Test
    void shouldUseTheDocumentedDefaults() {
        GradeConfig c = CommandLine.parse(new String[0]);
        assertThat(c.taskNames()).containsExactly("ctr", "cvr", "opm", "gpm");
        assertThat(c.taskOfFeedbackType("click")).isZero();
        assertThat(c.taskOfFeedbackType("order")).isEqualTo(1);
        assertThat(c.taskOfFeedbackType("profit")).isEqualTo(2);
        assertThat(c.taskOfFeedbackType("gmv")).isEqualTo(3);
        assertThat(c.taskOfFeedbackType("like")).isEqualTo(-1);
        assertThat(c.featureDim()).isEqualTo(32);
        assertThat(c.maxItems()).isEqualTo(200);
        assertThat(c.taskWindowMs(0)).isEqualTo(Duration.ofMinutes(10).toMillis());
        assertThat(c.sessionGapMs()).isEqualTo(Duration.ofMinutes(30).toMillis());
        assertThat(c.fusion()).isEqualTo(FusionKind.LOG_LINEAR);
        assertThat(c.betas()).containsOnly(1e-6);
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(c.binaryTask(0)).isTrue();
        assertThat(c.binaryTask(3)).isFalse();
        assertThat(c.rewardConfig().ndcgK()).isEqualTo(10);
        assertThat(c.maxRecordBytes()).isEqualTo(1 << 20);
        assertThat(c.maxStringBytes()).isEqualTo(4096);
        assertThat(c.maxDeadLetterBytes()).isEqualTo(1_000_000);
        assertThat(c.maxDeadLetterKeyBytes()).isEqualTo(1024);
        assertThat(c.maxEventTimeAheadMs()).isEqualTo(Duration.ofMinutes(5).toMillis());
        assertThat(c.maxEventTimeBehindMs()).isZero();
        assertThat(c.eventTimeReference()).isEqualTo(GradeOptions.EventTimeReference.WALL_CLOCK);
        assertThat(c.decodeLimits().maxCount("Impression", "items")).isEqualTo(200);
        assertThat(c.decodeLimits().maxCount("Impression", "features")).isEqualTo(32);
        assertThat(c.decodeLimits().maxCount("Item", "scores")).isEqualTo(4);
        assertThat(c.effectiveOptions()).containsEntry("impressions-topic", "grade.impressions")
                .containsKey("attribution-window").hasSize(GradeOptions.all().size());
    }

    @Test
    void shouldParseFlagsInBothForms() {
        GradeConfig c = CommandLine.parse(new String[] {"--impressions-topic", "imps", "--feature-dim=8",
                "--bounded", "--attribution-window-per-task", "cvr:30 min", "--fusion", "LINEAR",
                "--format-order", "ctr>cvr;cvr>=gpm", "--format-lower", "ctr:0.1", "--betas", "0.1;0.2;0.3;0.4"});
        assertThat(c.impressionsTopic()).isEqualTo("imps");
        assertThat(c.featureDim()).isEqualTo(8);
        assertThat(c.bounded()).isTrue();
        assertThat(c.taskWindowMs(1)).isEqualTo(Duration.ofMinutes(30).toMillis());
        assertThat(c.taskWindowMs(0)).isEqualTo(Duration.ofMinutes(10).toMillis());
        assertThat(c.maxWindowMs()).isEqualTo(Duration.ofMinutes(30).toMillis());
        assertThat(c.fusion()).isEqualTo(FusionKind.LINEAR);
        assertThat(c.rewardConfig().format().count()).isEqualTo(3);
        assertThat(c.betas()).containsExactly(0.1, 0.2, 0.3, 0.4);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "feature-dim | 0",
            "max-items | -3",
            "attribution-window | 0 s",
            "orphan-wait | -1 s",
            "session-gap | 0 ms",
            "out-of-orderness | -5 s",
            "tasks | ctr;ctr",
            "feedback-tasks | click:like",
            "binary-tasks | ctr;foo",
            "attribution-window-per-task | foo:1 min",
            "attribution-window-per-task | cvr:soon",
            "betas | 0.1;0.2",
            "betas | -1;0;0;0",
            "task-importance | 1;1",
            "format-order | ctr>>cvr",
            "format-upper | ctr:2",
            "transaction-timeout | 20 min",
            "feedback-topic | grade.impressions",
            "labelled-requests-topic | grade.dead-letters",
            "bootstrap-servers | ' '",
            "fusion | CUBIC",
            "ndcg-k | 0",
            "reward-metric-window | 0",
            "max-record-bytes | 100",
            "max-record-bytes | lots",
            "max-string-bytes | 0",
            "max-string-bytes | 2000000",
            "max-dead-letter-bytes | 1000",
            "max-dead-letter-key-bytes | 8",
            "max-dead-letter-key-bytes | 600000",
            "max-event-time-ahead | 0 s",
            "max-event-time-ahead | soon",
            "max-event-time-behind | -1 h",
            "event-time-reference | KAFKA",
    })
    void shouldNameTheBadOptionInTheError(String key, String value) {
        assertThatThrownBy(() -> GradeConfig.fromMap(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("option '--" + key + "'");
    }

    @Test
    void shouldNameTheRewardOptionsWhenTheRewardConfigIsInvalid() {
        assertThatThrownBy(() -> GradeConfig.fromMap(Map.of("lambda-post", "-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lambda-post");
    }

    @Test
    void shouldRequireTheTransactionTimeoutToExceedTheCheckpointInterval() {
        assertThatThrownBy(() -> GradeConfig.fromMap(Map.of("checkpoint-interval", "11 min")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transaction-timeout");
    }

    @Test
    void shouldRejectUnknownAndRepeatedFlags() {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--impresions-topic", "x"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("impresions-topic");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--group-id", "a", "--group-id", "b"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group-id");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"group-id"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group-id");
    }
}
