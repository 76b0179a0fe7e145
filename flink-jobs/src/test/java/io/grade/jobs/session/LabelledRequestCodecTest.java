package io.grade.jobs.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.jobs.Fixtures;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.reward.ServedReward;
import io.grade.model.reward.RewardBreakdown;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LabelledRequestCodecTest {

    private static RequestLabels labels(ImpressionEvent e) {
        GradeConfig config = Fixtures.testConfig();
        ServedReward reward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        return RequestLabels.open(e, reward.rank(e.scores, e.positions, e.servedWeights), config.tasks());
    }

    @Test
    void shouldRoundTripEveryField() {
        ImpressionEvent e = Fixtures.impression("u1", "r1", 7, 4);
        OpenRequest open = OpenRequest.open(e, SessionState.next(null, 7, 100), Fixtures.testConfig());
        RequestLabels labels = labels(e);
        labels.apply(Fixtures.feedback("f", "u1", "r1", "i3", 9, Fixtures.GPM, 12.25), Fixtures.testConfig());
        LabelledRequest r = LabelledRequest.of(open, labels, 3, new RewardBreakdown(0.5, 0.25, 1, 0.625));
        r.arm = 2;
        byte[] bytes = LabelledRequestCodec.encode(r);
        assertThat(bytes[2]).isEqualTo(LabelledRequestCodec.VERSION_3);
        assertThat(bytes[bytes.length - 1]).as("the arm, last").isEqualTo((byte) 2);
        LabelledRequest back = LabelledRequestCodec.decode(bytes);
        assertThat(back).isEqualTo(r);
        assertThat(back.label(3, Fixtures.GPM)).isEqualTo(12.25);
        assertThat(back.sessionRequests).isEqualTo(3);
        assertThat(back.arm).isEqualTo((byte) 2);

        // a version 2 record (before the arm) decodes as UNASSIGNED
        byte[] v2 = Arrays.copyOf(bytes, bytes.length - 1);
        v2[2] = LabelledRequestCodec.VERSION_2;
        LabelledRequest old = LabelledRequestCodec.decode(v2);
        assertThat(old.arm).isZero();
        r.arm = 0;
        assertThat(old).isEqualTo(r);
        byte[] badArm = bytes.clone();
        badArm[badArm.length - 1] = 9;
        assertRejected(badArm, "arm 9");
    }

    @Test
    void shouldRoundTripRandomRequestsBitForBit() {
        Random rng = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            LabelledRequest r = randomRequest(rng);
            byte[] bytes = LabelledRequestCodec.encode(r);
            LabelledRequest back = LabelledRequestCodec.decode(bytes);
            assertThat(back).as("request %d", i).isEqualTo(r);
            for (int c = 0; c < r.labels.length; c++) {
                assertThat(Double.doubleToRawLongBits(back.labels[c])).isEqualTo(Double.doubleToRawLongBits(r.labels[c]));
            }
            assertThat(LabelledRequestCodec.encode(back)).isEqualTo(bytes);
        }
    }

    @Test
    void shouldRoundTripEmptyArraysAndWriteANullModelIdAsEmpty() {
        LabelledRequest r = emptyRequest();
        r.modelId = null;
        LabelledRequest back = LabelledRequestCodec.decode(LabelledRequestCodec.encode(r));
        assertThat(back.modelId).isEmpty();
        r.modelId = "";
        assertThat(back).isEqualTo(r);
    }

    @Test
    void shouldKeepNegativeZeroAndExtremeLabels() {
        LabelledRequest r = emptyRequest();
        r.labels = new double[] {0.0, -0.0, Double.MIN_VALUE, 0, 0, Double.MAX_VALUE, Double.NEGATIVE_INFINITY, 0};
        LabelledRequest back = LabelledRequestCodec.decode(LabelledRequestCodec.encode(r));
        assertThat(back.labels).hasSize(8);
        for (int c = 0; c < 8; c++) {
            assertThat(Double.doubleToRawLongBits(back.labels[c])).isEqualTo(Double.doubleToRawLongBits(r.labels[c]));
        }
    }

    /** A typical request: 50 candidates, 4 tasks, the top 10 shown, 32 features, 3 non-zero labels. */
    @Test
    void shouldWriteATypicalRequestInAtMost60PercentOfVersion1() {
        Random rng = new Random(7);
        LabelledRequest r = new LabelledRequest();
        r.userId = "u4821";
        r.requestId = "r1k3x9-204816";
        r.modelId = "default";
        r.policyVersion = 12;
        r.eventTime = 1_767_225_600_000L;
        r.closeTime = r.eventTime + 600_000;
        r.items = 50;
        r.tasks = 4;
        r.features = new float[32];
        for (int f = 0; f < 32; f++) {
            r.features[f] = (float) rng.nextGaussian();
        }
        r.itemIds = new String[50];
        List<Integer> order = new ArrayList<>();
        for (int j = 0; j < 50; j++) {
            r.itemIds[j] = Integer.toString(rng.nextInt(5_000));
            order.add(j);
        }
        Collections.shuffle(order, rng);
        r.positions = new int[50];
        Arrays.fill(r.positions, -1);
        for (int p = 0; p < 10; p++) {
            r.positions[order.get(p)] = p;
        }
        r.scores = new float[200];
        for (int c = 0; c < 200; c++) {
            r.scores[c] = rng.nextFloat();
        }
        r.labels = new double[200];
        r.labels[order.get(1) * 4] = 1.0; // a click
        r.labels[order.get(1) * 4 + 1] = 1.0; // an order
        r.labels[order.get(1) * 4 + 3] = 23.49; // its GMV
        r.servedWeights = new double[] {0.4, 0.3, 0.2, 0.1};
        r.feedbackCount = 3;
        r.sessionStart = r.eventTime - 95_000;
        r.sessionPosition = 4;
        r.sessionRequests = 6;
        r.rewardPost = 0.31;
        r.rewardPrior = 0.12;
        r.rewardFormat = 1;
        r.rewardTotal = 0.43;

        byte[] v1 = encodeV1(r);
        byte[] v2 = LabelledRequestCodec.encode(r);
        System.out.printf("typical labelled request (50 items x 4 tasks, 3 non-zero labels): v1 %d bytes, v2 %d bytes"
                + " (%.1f %%)%n", v1.length, v2.length, 100.0 * v2.length / v1.length);
        assertThat(LabelledRequestCodec.decode(v2)).isEqualTo(r);
        assertThat(LabelledRequestCodec.decode(v1)).isEqualTo(r);
        assertThat((double) v2.length).isLessThanOrEqualTo(0.6 * v1.length);
    }

    // ---- version 1 ------------------------------------------------------------------------------

    /**
     * Bytes of {@link #tinyRequest()} written by the version 1 encoder as it was in the main code at
     * commit 61c6374 (the last one that wrote version 1): pins {@link #encodeV1} to what is on the topics.
     */
    private static final String TINY_V1_HEX = "474c01000275310002723100016d000000000000000300000000000003e8"
            + "0000000000002af80000000200000001000000013f000000000000020001610002c3a90000000200000000ffffffff"
            + "000000023f8000003f0000000000000200000000000000003ff8000000000000000000013ff0000000000000000000"
            + "01000000000000038400000000000000013fd00000000000003fe00000000000003ff00000000000003fe8000000000000";

    @Test
    void shouldDecodeVersion1Records() {
        byte[] golden = HexFormat.of().parseHex(TINY_V1_HEX);
        assertThat(encodeV1(tinyRequest())).isEqualTo(golden);
        assertThat(LabelledRequestCodec.decode(golden)).isEqualTo(tinyRequest());

        Random rng = new Random(11);
        for (int i = 0; i < 500; i++) {
            LabelledRequest r = randomRequest(rng);
            r.arm = 0; // version 1 has no arm: it decodes as UNASSIGNED
            assertThat(LabelledRequestCodec.decode(encodeV1(r))).as("request %d", i).isEqualTo(r);
        }
    }

    // ---- garbage --------------------------------------------------------------------------------

    @Test
    void shouldRejectForeignMagicAndUnknownVersions() {
        assertRejected(null);
        assertRejected(new byte[0]);
        assertRejected(new byte[] {'G', 'L'});
        assertRejected(new byte[] {1, 2, 3});
        byte[] bytes = LabelledRequestCodec.encode(tinyRequest());
        for (byte version : new byte[] {0, 4, -1}) {
            byte[] b = bytes.clone();
            b[2] = version;
            assertRejected(b);
        }
        byte[] b = bytes.clone();
        b[1] = 'X';
        assertRejected(b);
    }

    @Test
    void shouldRejectEveryTruncationAndTrailingBytes() {
        ImpressionEvent e = Fixtures.impression("u1", "r1", 7, 2);
        LabelledRequest r = LabelledRequest.of(OpenRequest.open(e, SessionState.next(null, 7, 100), Fixtures.testConfig()),
                labels(e), 1, new RewardBreakdown(0, 0, 0, 0));
        r.labels[3] = 2.5;
        for (byte[] bytes : List.of(LabelledRequestCodec.encode(r), encodeV1(r))) {
            for (int n = 0; n < bytes.length; n++) {
                assertRejected(Arrays.copyOf(bytes, n));
            }
        }
        byte[] v2 = LabelledRequestCodec.encode(r);
        assertRejected(Arrays.copyOf(v2, v2.length + 1));
    }

    @Test
    void shouldRejectLengthsTheBytesCannotHold() {
        // userId length 2^31 - 1, -1 (a 5-byte var-int), and a var-int running past 5 bytes
        assertRejected(bytes('G', 'L', 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 'u'), "bad length");
        assertRejected(bytes('G', 'L', 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 'u'), "bad length");
        assertRejected(bytes('G', 'L', 2, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00), "malformed var-int");
        // version 1: features length Integer.MAX_VALUE and -1 (after the three empty strings and 32 bytes)
        for (int n : new int[] {Integer.MAX_VALUE, -1, 1 << 20}) {
            byte[] v1 = encodeV1(emptyRequest());
            ByteBuffer.wrap(v1).putInt(3 + 3 * 2 + 3 * 8 + 2 * 4, n);
            assertRejected(v1, "bad length");
        }
        byte[] v1 = encodeV1(emptyRequest());
        ByteBuffer.wrap(v1).putShort(3, (short) 0xFFFF);
        assertRejected(v1, "bad length");
    }

    @Test
    void shouldRejectCorruptSparseLabels() {
        // labels length above the limit, more cells than labels or than the bytes hold, cells past the end
        assertRejected(withLabels(varInt(LabelledRequestCodec.MAX_LABEL_CELLS + 1), varInt(0)), "bad label count");
        assertRejected(withLabels(varInt(-1), varInt(0)), "bad label count");
        assertRejected(withLabels(varInt(2), varInt(3)), "3 label cells in 2 labels");
        assertRejected(withLabels(varInt(4), varInt(Integer.MAX_VALUE)), "bad length");
        assertRejected(withLabels(varInt(4), varInt(1), varInt(4), doubleBytes(1.0)), "beyond");
        assertRejected(withLabels(varInt(4), varInt(2), varInt(2), doubleBytes(1.0), varInt(1), doubleBytes(2.0)),
                "beyond");
        assertRejected(withLabels(varInt(4), varInt(1), varInt(-1), doubleBytes(1.0)), "beyond");
        // the well-formed neighbour decodes
        LabelledRequest ok = LabelledRequestCodec.decode(
                withLabels(varInt(4), varInt(2), varInt(1), doubleBytes(1.0), varInt(1), doubleBytes(2.0)));
        assertThat(ok.labels).containsExactly(0.0, 1.0, 0.0, 2.0);
    }

    @Test
    void shouldFailOnlyWithIllegalArgumentOnFlippedBytes() {
        Random rng = new Random(3);
        for (int i = 0; i < 200; i++) {
            LabelledRequest r = randomRequest(rng);
            byte[] bytes = rng.nextBoolean() ? LabelledRequestCodec.encode(r) : encodeV1(r);
            for (int k = 0; k < 20; k++) {
                byte[] b = bytes.clone();
                int at = 3 + rng.nextInt(b.length - 3);
                b[at] = (byte) rng.nextInt(256);
                try {
                    LabelledRequestCodec.decode(b);
                } catch (IllegalArgumentException expected) {
                    // fine: garbage is reported as such
                }
            }
        }
    }

    @Test
    void shouldRefuseToEncodeMoreLabelCellsThanItDecodes() {
        LabelledRequest r = emptyRequest();
        r.labels = new double[LabelledRequestCodec.MAX_LABEL_CELLS + 1];
        assertThatThrownBy(() -> LabelledRequestCodec.encode(r)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRejected(byte[] bytes) {
        assertRejected(bytes, "");
    }

    private static void assertRejected(byte[] bytes, String because) {
        assertThatThrownBy(() -> LabelledRequestCodec.decode(bytes))
                .as("%s", bytes == null ? "null" : HexFormat.of().formatHex(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(because);
    }

    // ---- requests and bytes ---------------------------------------------------------------------

    /** {@link #emptyRequest()} in version 3 with its label section (bytes 36 and 37: 0, 0) replaced. */
    private static byte[] withLabels(byte[]... section) {
        byte[] empty = LabelledRequestCodec.encode(emptyRequest());
        int at = 3 + 3 + 3 * 8 + 2 + 4; // header, 3 strings, 3 longs, items and tasks, 4 array lengths
        assertThat(empty).hasSize(at + 2 + 1 + 1 + 8 + 1 + 1 + 4 * 8 + 1); // labels, the rest, the arm
        ByteBuffer out = ByteBuffer.allocate(empty.length - 2 + Arrays.stream(section).mapToInt(s -> s.length).sum());
        out.put(empty, 0, at);
        for (byte[] s : section) {
            out.put(s);
        }
        out.put(empty, at + 2, empty.length - at - 2);
        return out.array();
    }

    private static byte[] varInt(int v) {
        ByteBuffer out = ByteBuffer.allocate(5);
        while ((v & ~0x7F) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
        return Arrays.copyOf(out.array(), out.position());
    }

    private static byte[] doubleBytes(double v) {
        return ByteBuffer.allocate(8).putDouble(v).array();
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static LabelledRequest emptyRequest() {
        LabelledRequest r = new LabelledRequest();
        r.userId = "";
        r.requestId = "";
        r.modelId = "";
        r.features = new float[0];
        r.itemIds = new String[0];
        r.positions = new int[0];
        r.scores = new float[0];
        r.labels = new double[0];
        r.servedWeights = new double[0];
        return r;
    }

    private static LabelledRequest tinyRequest() {
        LabelledRequest r = new LabelledRequest();
        r.userId = "u1";
        r.requestId = "r1";
        r.modelId = "m";
        r.policyVersion = 3;
        r.eventTime = 1000;
        r.closeTime = 11000;
        r.items = 2;
        r.tasks = 1;
        r.features = new float[] {0.5f};
        r.itemIds = new String[] {"a", "\u00e9"};
        r.positions = new int[] {0, -1};
        r.scores = new float[] {1f, 0.5f};
        r.labels = new double[] {0, 1.5};
        r.servedWeights = new double[] {1.0};
        r.feedbackCount = 1;
        r.sessionStart = 900;
        r.sessionPosition = 0;
        r.sessionRequests = 1;
        r.rewardPost = 0.25;
        r.rewardPrior = 0.5;
        r.rewardFormat = 1;
        r.rewardTotal = 0.75;
        return r;
    }

    private static final int[] CODE_POINTS = {'a', 'Z', '0', '-', '_', 0xE9, 0xDF, 0x65E5, 0x672C, 0x1F600, 0x10348};

    private static String randomString(Random rng) {
        StringBuilder s = new StringBuilder();
        int n = rng.nextInt(4) == 0 ? 0 : rng.nextInt(14);
        for (int i = 0; i < n; i++) {
            s.appendCodePoint(CODE_POINTS[rng.nextInt(CODE_POINTS.length)]);
        }
        return s.toString();
    }

    private static final double[] SPECIAL_DOUBLES = {-0.0, Double.MIN_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE,
            Double.POSITIVE_INFINITY, 1e-300, 1.0, 23.49};

    private static double randomDouble(Random rng) {
        return rng.nextInt(5) == 0 ? SPECIAL_DOUBLES[rng.nextInt(SPECIAL_DOUBLES.length)] : rng.nextGaussian() * 100;
    }

    private static int randomInt(Random rng) {
        return switch (rng.nextInt(6)) {
            case 0 -> rng.nextInt();
            case 1 -> rng.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            default -> rng.nextInt(300);
        };
    }

    /** NaN-free values of every field; array lengths from 0 (sometimes every array empty). */
    private static LabelledRequest randomRequest(Random rng) {
        int items = rng.nextInt(8) == 0 ? 0 : rng.nextInt(70);
        int tasks = rng.nextInt(6);
        LabelledRequest r = new LabelledRequest();
        r.userId = randomString(rng);
        r.requestId = randomString(rng);
        r.modelId = randomString(rng);
        r.policyVersion = rng.nextBoolean() ? rng.nextInt(100) : rng.nextLong();
        r.arm = (byte) rng.nextInt(3);
        r.eventTime = rng.nextLong();
        r.closeTime = rng.nextLong();
        r.items = items;
        r.tasks = rng.nextInt(10) == 0 ? randomInt(rng) : tasks;
        r.features = new float[rng.nextInt(40)];
        for (int f = 0; f < r.features.length; f++) {
            r.features[f] = rng.nextInt(10) == 0 ? -0.0f : (float) rng.nextGaussian();
        }
        r.itemIds = new String[items];
        r.positions = new int[items];
        for (int j = 0; j < items; j++) {
            r.itemIds[j] = randomString(rng);
            r.positions[j] = rng.nextInt(20) == 0 ? randomInt(rng) : rng.nextInt(items + 1) - 1;
        }
        r.scores = new float[items * tasks];
        for (int c = 0; c < r.scores.length; c++) {
            r.scores[c] = rng.nextFloat() * 10;
        }
        r.labels = new double[rng.nextInt(10) == 0 ? rng.nextInt(30) : items * tasks];
        double density = rng.nextInt(5) == 0 ? 1.0 : 0.03;
        for (int c = 0; c < r.labels.length; c++) {
            if (rng.nextDouble() < density) {
                r.labels[c] = randomDouble(rng);
            }
        }
        r.servedWeights = new double[tasks];
        for (int k = 0; k < tasks; k++) {
            r.servedWeights[k] = randomDouble(rng);
        }
        r.feedbackCount = randomInt(rng);
        r.sessionStart = rng.nextLong();
        r.sessionPosition = randomInt(rng);
        r.sessionRequests = randomInt(rng);
        r.rewardPost = randomDouble(rng);
        r.rewardPrior = randomDouble(rng);
        r.rewardFormat = randomDouble(rng);
        r.rewardTotal = randomDouble(rng);
        return r;
    }

    // ---- the version 1 encoder ------------------------------------------------------------------

    /*
     * The version 1 encoder, copied unchanged from LabelledRequestCodec.encode at commit 61c6374,
     * lives here rather than as a package-private encodeV1 in the main code: the job must never write
     * version 1 again, so production code keeps no writer for it, only the reader; the copy is pinned
     * to the bytes that code actually produced by TINY_V1_HEX.
     */
    static byte[] encodeV1(LabelledRequest r) {
        byte[] userId = utf8(r.userId);
        byte[] requestId = utf8(r.requestId);
        byte[] modelId = utf8(r.modelId == null ? "" : r.modelId);
        byte[][] itemIds = new byte[r.itemIds.length][];
        int size = 3 + 3 * 2 + userId.length + requestId.length + modelId.length + 3 * 8 + 2 * 4
                + 4 + 4 * r.features.length + 4 + 4 + 4 * r.positions.length + 4 + 4 * r.scores.length
                + 4 + 8 * r.labels.length + 4 + 8 * r.servedWeights.length + 4 + 8 + 4 + 4 + 4 * 8;
        for (int j = 0; j < itemIds.length; j++) {
            itemIds[j] = utf8(r.itemIds[j]);
            size += 2 + itemIds[j].length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(LabelledRequestCodec.MAGIC_0).put(LabelledRequestCodec.MAGIC_1).put(LabelledRequestCodec.VERSION_1);
        putString(out, userId);
        putString(out, requestId);
        putString(out, modelId);
        out.putLong(r.policyVersion).putLong(r.eventTime).putLong(r.closeTime);
        out.putInt(r.items).putInt(r.tasks);
        out.putInt(r.features.length);
        for (float v : r.features) {
            out.putFloat(v);
        }
        out.putInt(itemIds.length);
        for (byte[] id : itemIds) {
            putString(out, id);
        }
        out.putInt(r.positions.length);
        for (int p : r.positions) {
            out.putInt(p);
        }
        out.putInt(r.scores.length);
        for (float v : r.scores) {
            out.putFloat(v);
        }
        out.putInt(r.labels.length);
        for (double v : r.labels) {
            out.putDouble(v);
        }
        out.putInt(r.servedWeights.length);
        for (double v : r.servedWeights) {
            out.putDouble(v);
        }
        out.putInt(r.feedbackCount).putLong(r.sessionStart).putInt(r.sessionPosition).putInt(r.sessionRequests);
        out.putDouble(r.rewardPost).putDouble(r.rewardPrior).putDouble(r.rewardFormat).putDouble(r.rewardTotal);
        return out.array();
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("string longer than 65535 bytes: " + s.substring(0, 40) + "...");
        }
        return b;
    }

    private static void putString(ByteBuffer out, byte[] utf8) {
        out.putShort((short) utf8.length).put(utf8);
    }
}
