package io.grade.generator;

import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Builds hostile records from good ones ({@link MalformedKind}). A bad record gets its own ids
 * ({@code bad-<n>}) so it never collides with a valid event, and the valid stream is produced
 * unchanged beside it. Kinds are drawn by weight among the enabled kinds of the record's origin.
 * Not thread-safe.
 */
final class MalformedRecords {

    /** A bad record: its kind, the topic it goes to, its key (may be null) and value (null = tombstone). */
    record Bad(MalformedKind kind, ClosedLoop.Topic topic, byte[] key, byte[] value) {}

    /** Length claimed by the length bombs: 400 MB (400 million array entries). */
    static final int BOMB_LENGTH = 400_000_000;
    /** Total size of a length bomb, as found by the reliability campaign. */
    static final int BOMB_BYTES = 31;
    /** Value size of {@link MalformedKind#HUGE_VALUE}: under the broker's default 1 MiB limit. */
    static final int HUGE_VALUE_BYTES = 1_000_000;
    /** Key and value size of {@link MalformedKind#HUGE_KEY_AND_VALUE}. */
    static final int HALF_HUGE_BYTES = 500_000;
    /** Items of {@link MalformedKind#TOO_MANY_ITEMS}. */
    static final int TOO_MANY_ITEMS = 1_000;
    static final Instant NEGATIVE_TIME = Instant.parse("1900-01-01T00:00:00Z");
    static final Instant FAR_FUTURE = Instant.parse("9999-12-31T23:59:59Z");
    static final Instant FAR_PAST = Instant.parse("1971-01-01T00:00:00Z");
    private static final int HEADER_BYTES = 10;

    private final UniformRandomProvider rng;
    private final EventCodec<Impression> impressions;
    private final EventCodec<Feedback> feedback;
    private final Draw forImpressions;
    private final Draw forFeedback;
    private long count;

    MalformedRecords(UniformRandomProvider rng, EventCodec<Impression> impressions, EventCodec<Feedback> feedback) {
        this(rng, impressions, feedback, Set.of(MalformedKind.values()));
    }

    MalformedRecords(UniformRandomProvider rng, EventCodec<Impression> impressions, EventCodec<Feedback> feedback,
                     Set<MalformedKind> enabled) {
        this.rng = rng;
        this.impressions = impressions;
        this.feedback = feedback;
        this.forImpressions = new Draw(Arrays.stream(MalformedKind.values())
                .filter(k -> k.forImpressions() && enabled.contains(k)).toArray(MalformedKind[]::new));
        this.forFeedback = new Draw(Arrays.stream(MalformedKind.values())
                .filter(k -> k.forFeedback() && enabled.contains(k)).toArray(MalformedKind[]::new));
    }

    /** A bad record derived from a valid impression and its encoding; null if no enabled kind derives from impressions. */
    Bad impression(Impression valid, byte[] encoded) {
        MalformedKind kind = forImpressions.next(rng);
        return kind == null ? null : impression(kind, valid, encoded);
    }

    /** A bad record derived from a valid feedback event and its encoding; null if no enabled kind derives from feedback. */
    Bad feedback(Feedback valid, byte[] encoded) {
        MalformedKind kind = forFeedback.next(rng);
        return kind == null ? null : feedback(kind, valid, encoded);
    }

    /** A bad record of the given kind derived from a valid impression. */
    Bad impression(MalformedKind kind, Impression valid, byte[] encoded) {
        String id = "bad-" + count++;
        byte[] key = valid.getUserId().getBytes(StandardCharsets.UTF_8);
        ClosedLoop.Topic topic = ClosedLoop.Topic.IMPRESSIONS;
        byte[] common = common(kind, encoded, key);
        if (common != null || kind == MalformedKind.TOMBSTONE) {
            return new Bad(kind, topic, keyOf(kind, key), common);
        }
        Impression bad = Impression.newBuilder(valid).setEventId(id).setRequestId(id).build();
        byte[] value = switch (kind) {
            case HUGE_VALUE -> {
                bad.setEventId(hugeId(encoded.length));
                yield impressions.encode(bad);
            }
            case WRONG_SCHEMA -> feedback.encode(feedbackFor(valid, id, id, valid.getItems().get(0).getItemId()));
            case NEGATIVE_TIME -> impressions.encode(withTime(bad, NEGATIVE_TIME));
            case FAR_FUTURE_TIME -> impressions.encode(withTime(bad, FAR_FUTURE));
            case FAR_PAST_TIME -> impressions.encode(withTime(bad, FAR_PAST));
            case ARRAY_LENGTH_BOMB -> arrayBomb(encoded);
            case FEATURE_DIM_MISMATCH -> {
                bad.setFeatures(new ArrayList<>(valid.getFeatures().subList(0, valid.getFeatures().size() - 1)));
                yield impressions.encode(bad);
            }
            case TASK_COUNT_MISMATCH -> {
                bad.setServedWeights(new ArrayList<>(valid.getServedWeights().subList(1, valid.getServedWeights().size())));
                yield impressions.encode(bad);
            }
            case SCORE_COUNT_MISMATCH -> {
                List<Item> items = copyItems(valid);
                List<Float> s = items.get(0).getScores();
                items.get(0).setScores(new ArrayList<>(s.subList(0, s.size() - 1)));
                bad.setItems(items);
                yield impressions.encode(bad);
            }
            case EMPTY_ITEMS -> {
                bad.setItems(new ArrayList<>());
                yield impressions.encode(bad);
            }
            case TOO_MANY_ITEMS -> {
                List<Item> items = new ArrayList<>(TOO_MANY_ITEMS);
                List<Float> scores = valid.getItems().get(0).getScores();
                for (int j = 0; j < TOO_MANY_ITEMS; j++) {
                    items.add(new Item("bad-item-" + j, j < 10 ? j : -1, new ArrayList<>(scores)));
                }
                bad.setItems(items);
                yield impressions.encode(bad);
            }
            case DUPLICATE_ITEM_ID -> {
                List<Item> items = copyItems(valid);
                items.get(1).setItemId(items.get(0).getItemId());
                bad.setItems(items);
                yield impressions.encode(bad);
            }
            case MISSING_USER_ID -> {
                bad.setUserId("");
                yield impressions.encode(bad);
            }
            case NAN_SCORE, NEGATIVE_SCORE -> {
                List<Item> items = copyItems(valid);
                items.get(0).getScores().set(0, kind == MalformedKind.NAN_SCORE ? Float.NaN : -1f);
                bad.setItems(items);
                yield impressions.encode(bad);
            }
            case INFINITE_FEATURE -> {
                List<Float> x = new ArrayList<>(valid.getFeatures());
                x.set(0, Float.POSITIVE_INFINITY);
                bad.setFeatures(x);
                yield impressions.encode(bad);
            }
            case NAN_WEIGHT, INVALID_WEIGHTS, NEGATIVE_WEIGHT -> {
                List<Double> w = new ArrayList<>(valid.getServedWeights());
                if (kind == MalformedKind.NAN_WEIGHT) {
                    w.set(0, Double.NaN);
                } else if (kind == MalformedKind.INVALID_WEIGHTS) {
                    w.replaceAll(v -> 2 * v);
                } else {
                    // still sums to 1, but one weight is below 0
                    w.set(1, w.get(1) + w.get(0) + 0.1);
                    w.set(0, -0.1);
                }
                bad.setServedWeights(w);
                yield impressions.encode(bad);
            }
            case DUPLICATE_IMPRESSION -> encoded.clone();
            case UNKNOWN_ITEM -> {
                topic = ClosedLoop.Topic.FEEDBACK;
                yield feedback.encode(feedbackFor(valid, id, valid.getRequestId(), "bad-item-" + id));
            }
            case UNKNOWN_REQUEST -> {
                topic = ClosedLoop.Topic.FEEDBACK;
                yield feedback.encode(feedbackFor(valid, id, id, valid.getItems().get(0).getItemId()));
            }
            default -> throw new IllegalStateException("not an impression kind: " + kind);
        };
        return new Bad(kind, topic, key, value);
    }

    /** A bad record of the given kind derived from a valid feedback event. */
    Bad feedback(MalformedKind kind, Feedback valid, byte[] encoded) {
        String id = "bad-" + count++;
        byte[] key = valid.getUserId().getBytes(StandardCharsets.UTF_8);
        byte[] common = common(kind, encoded, key);
        if (common != null || kind == MalformedKind.TOMBSTONE) {
            return new Bad(kind, ClosedLoop.Topic.FEEDBACK, keyOf(kind, key), common);
        }
        Feedback.Builder bad = Feedback.newBuilder(valid).setEventId(id);
        byte[] value = switch (kind) {
            case HUGE_VALUE -> feedback.encode(bad.setEventId(hugeId(encoded.length)).build());
            case WRONG_SCHEMA -> impressions.encode(Impression.newBuilder()
                    .setEventId(id).setRequestId(id).setUserId(valid.getUserId()).setSessionHint(null)
                    .setEventTime(valid.getEventTime()).setModelId("bad").setPolicyVersion(0)
                    .setServedWeights(List.of(0.25, 0.25, 0.25, 0.25)).setFeatures(List.of(0f))
                    .setItems(List.of(new Item(valid.getItemId(), 0, List.of(0f, 0f, 0f, 0f)))).build());
            case NEGATIVE_TIME -> feedback.encode(bad.setEventTime(NEGATIVE_TIME).build());
            case FAR_FUTURE_TIME -> feedback.encode(bad.setEventTime(FAR_FUTURE).build());
            case FAR_PAST_TIME -> feedback.encode(bad.setEventTime(FAR_PAST).build());
            case UNKNOWN_FEEDBACK_TYPE -> feedback.encode(bad.setType("no-such-type").build());
            case NEGATIVE_VALUE -> feedback.encode(bad.setValue(-1 - valid.getValue()).build());
            case NON_FINITE_VALUE -> feedback.encode(
                    bad.setValue(count % 2 == 0 ? Double.NaN : Double.POSITIVE_INFINITY).build());
            case MISSING_ITEM_ID -> feedback.encode(bad.setItemId("").build());
            case DUPLICATE_FEEDBACK -> encoded.clone();
            default -> throw new IllegalStateException("not a feedback kind: " + kind);
        };
        return new Bad(kind, ClosedLoop.Topic.FEEDBACK, key, value);
    }

    /** The value of a kind that is built the same way on both topics, null for the others (and tombstones). */
    private byte[] common(MalformedKind kind, byte[] encoded, byte[] key) {
        return switch (kind) {
            case GARBAGE_BYTES, NULL_KEY -> garbage(8 + rng.nextInt(64));
            case TRUNCATED -> Arrays.copyOf(encoded, afterFirstString(encoded));
            case EMPTY_VALUE -> new byte[0];
            case UNKNOWN_FINGERPRINT -> {
                byte[] b = encoded.clone();
                byte[] fingerprint = new byte[8];
                rng.nextBytes(fingerprint);
                System.arraycopy(fingerprint, 0, b, 2, 8);
                yield b;
            }
            case LENGTH_BOMB -> stringBomb(encoded);
            case HUGE_KEY_AND_VALUE -> garbage(HALF_HUGE_BYTES);
            default -> null;
        };
    }

    private byte[] keyOf(MalformedKind kind, byte[] userKey) {
        return switch (kind) {
            case NULL_KEY -> null;
            case HUGE_KEY_AND_VALUE -> garbage(HALF_HUGE_BYTES);
            default -> userKey;
        };
    }

    /** The valid header, then the first field's (a string) length as 400 MB, then random filler: 31 bytes. */
    private byte[] stringBomb(byte[] encoded) {
        byte[] b = Arrays.copyOf(encoded, BOMB_BYTES);
        int at = HEADER_BYTES + writeLength(b, HEADER_BYTES, BOMB_LENGTH);
        fill(b, at);
        return b;
    }

    /**
     * The valid impression header, eventId, requestId and userId "b", no session hint, event time
     * 1 ms, modelId "b", version 0, then a served-weights block of 400 million doubles: 31 bytes.
     */
    private byte[] arrayBomb(byte[] encoded) {
        byte[] b = Arrays.copyOf(encoded, BOMB_BYTES);
        int at = HEADER_BYTES;
        for (int i = 0; i < 3; i++) {
            b[at++] = 2;   // string of length 1
            b[at++] = 'b';
        }
        b[at++] = 0;       // union branch 0: null session hint
        b[at++] = 2;       // event time 1 ms
        b[at++] = 2;
        b[at++] = 'b';     // modelId
        b[at++] = 0;       // policy version 0
        at += writeLength(b, at, BOMB_LENGTH);
        fill(b, at);
        return b;
    }

    /** Writes a zig-zag var-int length; returns the bytes written. */
    private static int writeLength(byte[] b, int at, long length) {
        long z = (length << 1) ^ (length >> 63);
        int n = 0;
        while ((z & ~0x7FL) != 0) {
            b[at + n++] = (byte) ((z & 0x7F) | 0x80);
            z >>>= 7;
        }
        b[at + n++] = (byte) z;
        return n;
    }

    private void fill(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            b[i] = (byte) ('a' + rng.nextInt(26));
        }
    }

    /** An event id that makes an event of {@code validBytes} about {@link #HUGE_VALUE_BYTES} long. */
    private static String hugeId(int validBytes) {
        // the id's length var-int grows from 1-2 bytes to 3; the old id was short
        return "x".repeat(HUGE_VALUE_BYTES - validBytes - 3);
    }

    /** The end of the first field (a string) of a valid encoding: header, length var-int, bytes. */
    private static int afterFirstString(byte[] encoded) {
        int at = HEADER_BYTES;
        long raw = 0;
        int shift = 0;
        int b;
        do {
            b = encoded[at++] & 0xFF;
            raw |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return at + (int) ((raw >>> 1) ^ -(raw & 1));
    }

    private byte[] garbage(int size) {
        byte[] b = new byte[size];
        rng.nextBytes(b);
        // never the single-object marker, so it is garbage and not an unknown schema
        b[0] = (byte) (b[0] == (byte) 0xC3 ? 0x00 : b[0]);
        return b;
    }

    private static Impression withTime(Impression bad, Instant t) {
        bad.setEventTime(t);
        return bad;
    }

    private static List<Item> copyItems(Impression valid) {
        List<Item> items = new ArrayList<>(valid.getItems().size());
        for (Item it : valid.getItems()) {
            items.add(new Item(it.getItemId(), it.getPosition(), new ArrayList<>(it.getScores())));
        }
        return items;
    }

    /** A click on {@code itemId} of {@code requestId} by the impression's user, at the impression's time. */
    private static Feedback feedbackFor(Impression valid, String eventId, String requestId, String itemId) {
        return Feedback.newBuilder()
                .setEventId(eventId).setRequestId(requestId).setUserId(valid.getUserId()).setItemId(itemId)
                .setEventTime(valid.getEventTime()).setType("click").setValue(1).build();
    }

    /** Draws a kind by weight. */
    private static final class Draw {
        private final MalformedKind[] kinds;
        private final int[] cumulative;

        Draw(MalformedKind[] kinds) {
            this.kinds = kinds;
            this.cumulative = new int[kinds.length];
            int sum = 0;
            for (int i = 0; i < kinds.length; i++) {
                sum += kinds[i].weight();
                cumulative[i] = sum;
            }
        }

        MalformedKind next(UniformRandomProvider rng) {
            if (kinds.length == 0) {
                return null;
            }
            int r = rng.nextInt(cumulative[cumulative.length - 1]);
            for (int i = 0; ; i++) {
                if (r < cumulative[i]) {
                    return kinds[i];
                }
            }
        }
    }
}
