package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.DecodeFailureReason;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.simulator.World;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MalformedRecordsTest {

    private final EventCodec<Impression> impressions = EventCodec.impressions();
    private final EventCodec<Feedback> feedback = EventCodec.feedback();

    @Test
    void shouldBreakEachRecordTheWayItsKindSays() {
        Fixtures.Run run = Fixtures.run(Fixtures.config(3).build(), 20);
        Impression imp = run.impressions().get(0);
        Feedback fb = run.feedback().get(0);
        byte[] impBytes = impressions.encode(imp);
        byte[] fbBytes = feedback.encode(fb);
        MalformedRecords bad = new MalformedRecords(World.rng(1), impressions, feedback);
        Set<MalformedKind> seen = EnumSet.noneOf(MalformedKind.class);
        for (int i = 0; i < 200; i++) {
            MalformedRecords.Bad b = bad.impression(imp, impBytes);
            assertThat(b.kind().forImpressions()).isTrue();
            seen.add(b.kind());
            DecodeResult<Impression> d = impressions.decode(b.value());
            switch (b.kind()) {
                case GARBAGE_BYTES -> assertThat(d.failure().reason()).isEqualTo(DecodeFailureReason.GARBAGE_BYTES);
                case TRUNCATED -> assertThat(d.isOk()).isFalse();
                case FEATURE_DIM_MISMATCH -> {
                    assertThat(d.value().getFeatures()).hasSize(imp.getFeatures().size() - 1);
                    assertThat(d.value().getEventId()).startsWith("bad-");
                }
                case INVALID_WEIGHTS -> assertThat(d.value().getServedWeights().stream()
                        .mapToDouble(Double::doubleValue).sum()).isGreaterThan(1.5);
                default -> throw new AssertionError("feedback kind on impressions: " + b.kind());
            }
            MalformedRecords.Bad f = bad.feedback(fb, fbBytes);
            assertThat(f.kind().forFeedback()).isTrue();
            seen.add(f.kind());
            DecodeResult<Feedback> df = feedback.decode(f.value());
            switch (f.kind()) {
                case GARBAGE_BYTES -> assertThat(df.failure().reason()).isEqualTo(DecodeFailureReason.GARBAGE_BYTES);
                case TRUNCATED -> assertThat(df.isOk()).isFalse();
                case UNKNOWN_FEEDBACK_TYPE -> assertThat(df.value().getType()).isEqualTo("no-such-type");
                case NEGATIVE_VALUE -> assertThat(df.value().getValue()).isNegative();
                default -> throw new AssertionError("impression kind on feedback: " + f.kind());
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(MalformedKind.values());
        // the valid records are left as they were
        assertThat(impressions.encode(imp)).isEqualTo(impBytes);
    }
}
