package io.grade.jobs.events;

import static io.grade.jobs.Fixtures.avroFeedback;
import static io.grade.jobs.Fixtures.avroImpression;
import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.Fixtures;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EventValidatorTest {

    private final EventValidator validator = new EventValidator(Fixtures.testConfig());

    private DeadLetterReason impressionReason(Consumer<Impression.Builder> change) {
        Impression.Builder b = avroImpression("u1", "r1", 1_000, 3);
        change.accept(b);
        Checked<ImpressionEvent> c = validator.impression(b.build());
        assertThat(c.isOk()).isFalse();
        assertThat(c.message()).isNotBlank();
        return c.reason();
    }

    private DeadLetterReason feedbackReason(Consumer<Feedback.Builder> change) {
        Feedback.Builder b = avroFeedback("f1", "u1", "r1", "i0", 2_000, "click", 1);
        change.accept(b);
        Checked<FeedbackEvent> c = validator.feedback(b.build());
        assertThat(c.isOk()).isFalse();
        return c.reason();
    }

    private static List<Item> items(int n, List<Float> scores) {
        List<Item> items = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            items.add(Item.newBuilder().setItemId("i" + j).setPosition(j).setScores(scores).build());
        }
        return items;
    }

    @Test
    void shouldAcceptAndConvertAValidImpression() {
        Checked<ImpressionEvent> c = validator.impression(avroImpression("u1", "r1", 1_000, 3).build());
        assertThat(c.isOk()).isTrue();
        ImpressionEvent e = c.value();
        assertThat(e.requestId).isEqualTo("r1");
        assertThat(e.eventTime).isEqualTo(1_000);
        assertThat(e.itemIds).containsExactly("i0", "i1", "i2");
        assertThat(e.positions).containsExactly(0, 1, 2);
        assertThat(e.scores).hasSize(12).startsWith(0.5f, 0.2f, 1.5f, 3.0f);
        assertThat(e.features).containsExactly(0.1f, 0.2f, 0.3f);
        assertThat(e.servedWeights).containsExactly(0.4, 0.3, 0.2, 0.1);
    }

    @Test
    void shouldAcceptAndMapAValidFeedback() {
        Checked<FeedbackEvent> c = validator.feedback(avroFeedback("f1", "u1", "r1", "i0", 2_000, "gmv", 9.5).build());
        assertThat(c.isOk()).isTrue();
        assertThat(c.value().task).isEqualTo(Fixtures.GPM);
        assertThat(c.value().value).isEqualTo(9.5);
    }

    @Test
    void shouldRejectMissingFields() {
        assertThat(impressionReason(b -> b.setUserId(" "))).isEqualTo(DeadLetterReason.MISSING_FIELD);
        assertThat(impressionReason(b -> b.setItems(List.of(Item.newBuilder().setItemId("").setPosition(0)
                .setScores(List.of(1f, 1f, 1f, 1f)).build())))).isEqualTo(DeadLetterReason.MISSING_FIELD);
        assertThat(feedbackReason(b -> b.setItemId(""))).isEqualTo(DeadLetterReason.MISSING_FIELD);
    }

    @Test
    void shouldRejectNegativeTimes() {
        assertThat(impressionReason(b -> b.setEventTime(Instant.ofEpochMilli(-1)))).isEqualTo(DeadLetterReason.NEGATIVE_TIME);
        assertThat(feedbackReason(b -> b.setEventTime(Instant.ofEpochMilli(-5)))).isEqualTo(DeadLetterReason.NEGATIVE_TIME);
    }

    @Test
    void shouldRejectEmptyAndOversizedItemLists() {
        assertThat(impressionReason(b -> b.setItems(List.of()))).isEqualTo(DeadLetterReason.EMPTY_ITEMS);
        // max-items is 10 in the test configuration
        assertThat(impressionReason(b -> b.setItems(items(11, List.of(1f, 1f, 1f, 1f)))))
                .isEqualTo(DeadLetterReason.TOO_MANY_ITEMS);
        assertThat(validator.impression(avroImpression("u1", "r1", 1, 10).build()).isOk()).isTrue();
    }

    @Test
    void shouldRejectScoreArraysOfTheWrongLength() {
        assertThat(impressionReason(b -> b.setItems(items(2, List.of(1f, 1f, 1f)))))
                .isEqualTo(DeadLetterReason.TASK_COUNT_MISMATCH);
        assertThat(impressionReason(b -> b.setServedWeights(List.of(0.5, 0.5))))
                .isEqualTo(DeadLetterReason.TASK_COUNT_MISMATCH);
    }

    @Test
    void shouldRejectFeatureVectorsOfTheWrongDimension() {
        assertThat(impressionReason(b -> b.setFeatures(List.of(0.1f, 0.2f)))).isEqualTo(DeadLetterReason.FEATURE_DIM_MISMATCH);
    }

    @Test
    void shouldRejectNonFiniteNumbers() {
        assertThat(impressionReason(b -> b.setFeatures(List.of(0.1f, Float.NaN, 0.3f)))).isEqualTo(DeadLetterReason.NON_FINITE);
        assertThat(impressionReason(b -> b.setItems(items(2, List.of(1f, Float.POSITIVE_INFINITY, 1f, 1f)))))
                .isEqualTo(DeadLetterReason.NON_FINITE);
        assertThat(impressionReason(b -> b.setServedWeights(List.of(Double.NaN, 0.5, 0.25, 0.25))))
                .isEqualTo(DeadLetterReason.NON_FINITE);
        assertThat(feedbackReason(b -> b.setValue(Double.POSITIVE_INFINITY))).isEqualTo(DeadLetterReason.NON_FINITE);
    }

    @Test
    void shouldRejectDuplicateItemIds() {
        assertThat(impressionReason(b -> {
            List<Item> items = items(3, List.of(1f, 1f, 1f, 1f));
            items.get(2).setItemId("i0");
            b.setItems(items);
        })).isEqualTo(DeadLetterReason.DUPLICATE_ITEM_ID);
    }

    @Test
    void shouldRejectNegativeScoresAndWeightsOffTheSimplex() {
        assertThat(impressionReason(b -> b.setItems(items(2, List.of(1f, -0.1f, 1f, 1f)))))
                .isEqualTo(DeadLetterReason.NEGATIVE_SCORE);
        assertThat(impressionReason(b -> b.setServedWeights(List.of(0.7, 0.7, -0.2, -0.2))))
                .isEqualTo(DeadLetterReason.INVALID_WEIGHTS);
        assertThat(impressionReason(b -> b.setServedWeights(List.of(0.5, 0.5, 0.5, 0.5))))
                .isEqualTo(DeadLetterReason.INVALID_WEIGHTS);
    }

    @Test
    void shouldRejectUnknownFeedbackTypesAndNegativeValues() {
        assertThat(feedbackReason(b -> b.setType("like"))).isEqualTo(DeadLetterReason.UNKNOWN_FEEDBACK_TYPE);
        assertThat(feedbackReason(b -> b.setValue(-1))).isEqualTo(DeadLetterReason.NEGATIVE_VALUE);
    }
}
