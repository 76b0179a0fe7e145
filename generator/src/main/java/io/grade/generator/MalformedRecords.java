package io.grade.generator;

import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.EventCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Builds bad records from good ones. The bad record gets its own ids ({@code bad-<n>}) so it never
 * collides with a valid event, and the valid stream is produced unchanged beside it. Not thread-safe.
 */
final class MalformedRecords {

    /** A bad record and what is wrong with it. */
    record Bad(MalformedKind kind, byte[] value) {}

    private static final MalformedKind[] FOR_IMPRESSIONS =
            Arrays.stream(MalformedKind.values()).filter(MalformedKind::forImpressions).toArray(MalformedKind[]::new);
    private static final MalformedKind[] FOR_FEEDBACK =
            Arrays.stream(MalformedKind.values()).filter(MalformedKind::forFeedback).toArray(MalformedKind[]::new);

    private final UniformRandomProvider rng;
    private final EventCodec<Impression> impressions;
    private final EventCodec<Feedback> feedback;
    private long count;

    MalformedRecords(UniformRandomProvider rng, EventCodec<Impression> impressions, EventCodec<Feedback> feedback) {
        this.rng = rng;
        this.impressions = impressions;
        this.feedback = feedback;
    }

    /** A bad record for the impressions topic, derived from a valid impression and its encoding. */
    Bad impression(Impression valid, byte[] encoded) {
        MalformedKind kind = FOR_IMPRESSIONS[rng.nextInt(FOR_IMPRESSIONS.length)];
        String id = "bad-" + count++;
        byte[] value = switch (kind) {
            case GARBAGE_BYTES -> garbage();
            case TRUNCATED -> Arrays.copyOf(encoded, encoded.length / 2);
            case FEATURE_DIM_MISMATCH -> {
                Impression bad = Impression.newBuilder(valid).setEventId(id).setRequestId(id).build();
                bad.setFeatures(new ArrayList<>(valid.getFeatures().subList(0, valid.getFeatures().size() - 1)));
                yield impressions.encode(bad);
            }
            case INVALID_WEIGHTS -> {
                Impression bad = Impression.newBuilder(valid).setEventId(id).setRequestId(id).build();
                List<Double> doubled = new ArrayList<>();
                for (double w : valid.getServedWeights()) {
                    doubled.add(2 * w);
                }
                bad.setServedWeights(doubled);
                yield impressions.encode(bad);
            }
            default -> throw new IllegalStateException("not an impression kind: " + kind);
        };
        return new Bad(kind, value);
    }

    /** A bad record for the feedback topic, derived from a valid feedback event and its encoding. */
    Bad feedback(Feedback valid, byte[] encoded) {
        MalformedKind kind = FOR_FEEDBACK[rng.nextInt(FOR_FEEDBACK.length)];
        String id = "bad-" + count++;
        byte[] value = switch (kind) {
            case GARBAGE_BYTES -> garbage();
            case TRUNCATED -> Arrays.copyOf(encoded, encoded.length / 2);
            case UNKNOWN_FEEDBACK_TYPE -> feedback.encode(
                    Feedback.newBuilder(valid).setEventId(id).setType("no-such-type").build());
            case NEGATIVE_VALUE -> feedback.encode(
                    Feedback.newBuilder(valid).setEventId(id).setValue(-1 - valid.getValue()).build());
            default -> throw new IllegalStateException("not a feedback kind: " + kind);
        };
        return new Bad(kind, value);
    }

    private byte[] garbage() {
        byte[] b = new byte[8 + rng.nextInt(64)];
        rng.nextBytes(b);
        // never the single-object marker, so it is garbage and not an unknown schema
        b[0] = (byte) (b[0] == (byte) 0xC3 ? 0x00 : b[0]);
        return b;
    }
}
