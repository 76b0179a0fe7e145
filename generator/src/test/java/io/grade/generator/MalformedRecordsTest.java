package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.codec.DecodeFailureReason;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.simulator.World;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MalformedRecordsTest {

    private final EventCodec<Impression> impressions = EventCodec.impressions();
    private final EventCodec<Feedback> feedback = EventCodec.feedback();
    private final Fixtures.Run run = Fixtures.run(Fixtures.config(3).build(), 20);
    private final Impression imp = run.impressions().get(0);
    private final Feedback fb = run.feedback().get(0);
    private final byte[] impBytes = impressions.encode(imp);
    private final byte[] fbBytes = feedback.encode(fb);

    @Test
    void shouldBreakEachImpressionTheWayItsKindSays() {
        MalformedRecords bad = new MalformedRecords(World.rng(1), impressions, feedback);
        for (MalformedKind kind : MalformedKind.values()) {
            if (!kind.forImpressions()) {
                continue;
            }
            MalformedRecords.Bad b = bad.impression(kind, imp, impBytes);
            assertThat(b.kind()).isEqualTo(kind);
            boolean toFeedback = kind == MalformedKind.UNKNOWN_ITEM || kind == MalformedKind.UNKNOWN_REQUEST;
            assertThat(b.topic()).as("%s", kind)
                    .isEqualTo(toFeedback ? ClosedLoop.Topic.FEEDBACK : ClosedLoop.Topic.IMPRESSIONS);
            if (checkCommon(kind, b, impBytes)) {
                continue;
            }
            assertThat(b.key()).isEqualTo(imp.getUserId().getBytes(StandardCharsets.UTF_8));
            if (kind == MalformedKind.WRONG_SCHEMA) {
                assertThat(impressions.decode(b.value()).failure().reason()).isEqualTo(DecodeFailureReason.UNKNOWN_SCHEMA);
                assertThat(feedback.decode(b.value()).isOk()).isTrue();
                continue;
            }
            if (kind == MalformedKind.ARRAY_LENGTH_BOMB) {
                assertThat(b.value()).hasSize(31);
                assertThat(impressions.decode(java.util.Arrays.copyOf(b.value(), 10)).failure().reason())
                        .as("valid header").isEqualTo(DecodeFailureReason.TRUNCATED);
                // after header (10), three 1-char strings (6), null hint, time, modelId, version (5):
                // the count as a five-byte var-int
                for (int i = 21; i < 25; i++) {
                    assertThat(b.value()[i] & 0x80).as("count var-int byte %d", i).isEqualTo(0x80);
                }
                continue;
            }
            if (toFeedback) {
                Feedback f = feedback.decode(b.value()).value();
                assertThat(f.getEventId()).startsWith("bad-");
                assertThat(f.getUserId()).isEqualTo(imp.getUserId());
                assertThat(f.getEventTime()).isEqualTo(imp.getEventTime());
                if (kind == MalformedKind.UNKNOWN_ITEM) {
                    assertThat(f.getRequestId()).isEqualTo(imp.getRequestId());
                    assertThat(imp.getItems().stream().map(Item::getItemId)).doesNotContain(f.getItemId());
                } else {
                    assertThat(f.getRequestId()).startsWith("bad-");
                }
                continue;
            }
            Impression d = impressions.decode(b.value()).value();
            if (kind == MalformedKind.HUGE_VALUE) {
                assertThat(b.value().length).isBetween(MalformedRecords.HUGE_VALUE_BYTES - 64, MalformedRecords.HUGE_VALUE_BYTES);
                assertThat(d.getEventId()).hasSizeGreaterThan(990_000);
                continue;
            }
            if (kind == MalformedKind.DUPLICATE_IMPRESSION) {
                assertThat(b.value()).isEqualTo(impBytes);
                continue;
            }
            assertThat(d.getEventId()).startsWith("bad-");
            assertThat(d.getRequestId()).startsWith("bad-");
            Item first = d.getItems().isEmpty() ? null : d.getItems().get(0);
            double weightSum = d.getServedWeights().stream().mapToDouble(Double::doubleValue).sum();
            switch (kind) {
                case NEGATIVE_TIME -> assertThat(d.getEventTime().toEpochMilli()).isNegative();
                case FAR_FUTURE_TIME -> assertThat(d.getEventTime()).isEqualTo(MalformedRecords.FAR_FUTURE);
                case FAR_PAST_TIME -> assertThat(d.getEventTime()).isEqualTo(MalformedRecords.FAR_PAST);
                case FEATURE_DIM_MISMATCH -> assertThat(d.getFeatures()).hasSize(imp.getFeatures().size() - 1);
                case TASK_COUNT_MISMATCH -> assertThat(d.getServedWeights()).hasSize(imp.getServedWeights().size() - 1);
                case SCORE_COUNT_MISMATCH -> assertThat(first.getScores()).hasSize(imp.getServedWeights().size() - 1);
                case EMPTY_ITEMS -> assertThat(d.getItems()).isEmpty();
                case TOO_MANY_ITEMS -> assertThat(d.getItems()).hasSize(MalformedRecords.TOO_MANY_ITEMS);
                case DUPLICATE_ITEM_ID -> assertThat(d.getItems().get(1).getItemId()).isEqualTo(first.getItemId());
                case MISSING_USER_ID -> assertThat(d.getUserId()).isEmpty();
                case NAN_SCORE -> assertThat(first.getScores().get(0)).isNaN();
                case NEGATIVE_SCORE -> assertThat(first.getScores().get(0)).isNegative();
                case INFINITE_FEATURE -> assertThat(d.getFeatures().get(0)).isInfinite();
                case NAN_WEIGHT -> assertThat(d.getServedWeights().get(0)).isNaN();
                case INVALID_WEIGHTS -> assertThat(weightSum).isGreaterThan(1.5);
                case NEGATIVE_WEIGHT -> {
                    assertThat(d.getServedWeights().get(0)).isNegative();
                    assertThat(weightSum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
                }
                default -> throw new AssertionError("unchecked kind " + kind);
            }
        }
        // the valid record is left as it was
        assertThat(impressions.encode(imp)).isEqualTo(impBytes);
    }

    @Test
    void shouldBreakEachFeedbackEventTheWayItsKindSays() {
        MalformedRecords bad = new MalformedRecords(World.rng(2), impressions, feedback);
        for (MalformedKind kind : MalformedKind.values()) {
            if (!kind.forFeedback()) {
                continue;
            }
            MalformedRecords.Bad b = bad.feedback(kind, fb, fbBytes);
            assertThat(b.topic()).isEqualTo(ClosedLoop.Topic.FEEDBACK);
            if (checkCommon(kind, b, fbBytes)) {
                continue;
            }
            if (kind == MalformedKind.WRONG_SCHEMA) {
                assertThat(feedback.decode(b.value()).failure().reason()).isEqualTo(DecodeFailureReason.UNKNOWN_SCHEMA);
                assertThat(impressions.decode(b.value()).isOk()).isTrue();
                continue;
            }
            Feedback d = feedback.decode(b.value()).value();
            if (kind == MalformedKind.HUGE_VALUE) {
                assertThat(b.value().length).isBetween(MalformedRecords.HUGE_VALUE_BYTES - 64, MalformedRecords.HUGE_VALUE_BYTES);
                assertThat(d.getEventId()).hasSizeGreaterThan(990_000);
                continue;
            }
            if (kind == MalformedKind.DUPLICATE_FEEDBACK) {
                assertThat(b.value()).isEqualTo(fbBytes);
                continue;
            }
            assertThat(d.getEventId()).startsWith("bad-");
            switch (kind) {
                case NEGATIVE_TIME -> assertThat(d.getEventTime().toEpochMilli()).isNegative();
                case FAR_FUTURE_TIME -> assertThat(d.getEventTime()).isEqualTo(MalformedRecords.FAR_FUTURE);
                case FAR_PAST_TIME -> assertThat(d.getEventTime()).isEqualTo(MalformedRecords.FAR_PAST);
                case UNKNOWN_FEEDBACK_TYPE -> assertThat(d.getType()).isEqualTo("no-such-type");
                case NEGATIVE_VALUE -> assertThat(d.getValue()).isNegative();
                case NON_FINITE_VALUE -> assertThat(Double.isFinite(d.getValue())).isFalse();
                case MISSING_ITEM_ID -> assertThat(d.getItemId()).isEmpty();
                default -> throw new AssertionError("unchecked kind " + kind);
            }
        }
        assertThat(feedback.encode(fb)).isEqualTo(fbBytes);
    }

    /** Checks the kinds built alike on both topics; true if {@code kind} is one of them. */
    private boolean checkCommon(MalformedKind kind, MalformedRecords.Bad b, byte[] valid) {
        EventCodec<?> codec = b.topic() == ClosedLoop.Topic.IMPRESSIONS ? impressions : feedback;
        switch (kind) {
            case GARBAGE_BYTES -> assertThat(codec.decode(b.value()).failure().reason()).isEqualTo(DecodeFailureReason.GARBAGE_BYTES);
            case NULL_KEY -> {
                assertThat(b.key()).isNull();
                assertThat(codec.decode(b.value()).failure().reason()).isEqualTo(DecodeFailureReason.GARBAGE_BYTES);
            }
            case TRUNCATED -> {
                assertThat(codec.decode(b.value()).failure().reason()).isEqualTo(DecodeFailureReason.TRUNCATED);
                // header, length var-int and the event id, nothing more
                assertThat(b.value().length).isGreaterThan(11).isLessThan(valid.length);
                assertThat(b.value()).isEqualTo(java.util.Arrays.copyOf(valid, b.value().length));
                assertThat(b.value()[10] & 0xFF).isEqualTo(b.value().length - 11 << 1);
            }
            case EMPTY_VALUE -> assertThat(b.value()).isEmpty();
            case TOMBSTONE -> {
                assertThat(b.value()).isNull();
                assertThat(b.key()).isNotNull();
            }
            case UNKNOWN_FINGERPRINT -> assertThat(codec.decode(b.value()).failure().reason()).isEqualTo(DecodeFailureReason.UNKNOWN_SCHEMA);
            case LENGTH_BOMB -> {
                assertThat(b.value()).hasSize(31);
                assertThat(java.util.Arrays.copyOf(b.value(), 10)).isEqualTo(java.util.Arrays.copyOf(valid, 10));
                // zig-zag var-int of 400,000,000: five bytes, four with the continuation bit
                for (int i = 10; i < 14; i++) {
                    assertThat(b.value()[i] & 0x80).isEqualTo(0x80);
                }
            }
            case HUGE_KEY_AND_VALUE -> {
                assertThat(b.key()).hasSize(MalformedRecords.HALF_HUGE_BYTES);
                assertThat(b.value()).hasSize(MalformedRecords.HALF_HUGE_BYTES);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Test
    void shouldDrawEveryEnabledKindByWeightAndNoOther() {
        MalformedRecords bad = new MalformedRecords(World.rng(5), impressions, feedback);
        Map<MalformedKind, Integer> drawn = new EnumMap<>(MalformedKind.class);
        for (int i = 0; i < 6_000; i++) {
            drawn.merge(bad.impression(imp, impBytes).kind(), 1, Integer::sum);
            drawn.merge(bad.feedback(fb, fbBytes).kind(), 1, Integer::sum);
        }
        assertThat(drawn.keySet()).containsExactlyInAnyOrder(MalformedKind.values());
        // weight 1 against 10: the ~1 MB kinds are drawn about ten times less often than garbage
        assertThat(drawn.get(MalformedKind.HUGE_VALUE) * 4).isLessThan(drawn.get(MalformedKind.GARBAGE_BYTES));

        Set<MalformedKind> some = EnumSet.of(MalformedKind.NAN_SCORE, MalformedKind.NEGATIVE_VALUE);
        MalformedRecords only = new MalformedRecords(World.rng(6), impressions, feedback, some);
        Set<MalformedKind> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(only.impression(imp, impBytes).kind());
            seen.add(only.feedback(fb, fbBytes).kind());
        }
        assertThat(seen).isEqualTo(some);
        assertThat(new MalformedRecords(World.rng(6), impressions, feedback, EnumSet.of(MalformedKind.NAN_SCORE))
                .feedback(fb, fbBytes)).as("no feedback kind enabled").isNull();
    }

    @Test
    void shouldParseKindListsAndNameTheOptionOnErrors() {
        assertThat(MalformedKind.parse("--malformed-kinds", "all")).hasSize(MalformedKind.values().length);
        assertThat(MalformedKind.parse("--malformed-kinds", "length-bomb, TOMBSTONE"))
                .containsExactlyInAnyOrder(MalformedKind.LENGTH_BOMB, MalformedKind.TOMBSTONE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MalformedKind.parse("--malformed-kinds", "bogus"))
                .hasMessageContaining("--malformed-kinds").hasMessageContaining("bogus").hasMessageContaining("GARBAGE_BYTES");
        assertThat(MalformedKind.values().length).isGreaterThanOrEqualTo(25);
    }
}
