package io.grade.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.schemas.DeadLetter;
import io.grade.schemas.Feedback;
import io.grade.schemas.FusionKind;
import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wire-format contract of docs/WIRE-FORMAT.md, checked against golden sample bytes in
 * {@code schemas/src/test/resources/golden/<record>-v<N>.bin} (and their {@code .hex} twins, a
 * commented hex dump): for each record type, the fully specified example record of
 * {@link #samples()} encoded with the current {@link EventCodec} must equal the file byte for byte,
 * the file must decode back to exactly that record, and its first 10 bytes must be the marker
 * {@code C3 01} and the fingerprint that the page's fingerprint table gives for that version. The
 * table itself must list every released schema of the history with its true fingerprint, and the
 * CRC-64-AVRO algorithm as the page describes it must agree with Avro's.
 *
 * <p>The files change only deliberately: after releasing a new schema version (or changing an
 * example record), regenerate them with
 * <pre>
 * mvn -B -q -o -pl schemas -am test -Dtest=WireFormatGoldenTest -Dsurefire.failIfNoSpecifiedTests=false -Dgolden.update=true
 * </pre>
 * then update the fingerprint table of docs/WIRE-FORMAT.md, and commit both. Non-Java producers
 * test their encoders against these files.
 */
class WireFormatGoldenTest {

    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));
    private static final Path GOLDEN = MODULE.resolve("src/test/resources/golden");
    private static final Path DOC = MODULE.resolve("../docs/WIRE-FORMAT.md");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    /** A row of the fingerprint table: record, version, fingerprint as a number, the 8 header bytes. */
    private static final Pattern ROW = Pattern.compile(
            "^\\| `(\\w+)` \\| v(\\d+) \\|[^|]*\\| `0x([0-9a-f]{16})` \\| `([0-9a-f]{2}(?: [0-9a-f]{2}){7})` \\|\\s*$");
    private static final long CRC64_EMPTY = 0xc15d213aa4d7a795L;

    /** One golden sample: its record and the codec of its type. */
    record Sample(String name, SpecificRecordBase record, EventCodec<SpecificRecordBase> codec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Sample> samples() {
        return Stream.of(sample(impression()), sample(clickFeedback()), sample(policySnapshot()), sample(policyControl()),
                sample(deadLetter()));
    }

    @SuppressWarnings("unchecked")
    private static Sample sample(SpecificRecordBase record) {
        Schema schema = record.getSchema();
        return new Sample(schema.getName(), record, (EventCodec<SpecificRecordBase>) (EventCodec<?>) EventCodec.forRecord(schema));
    }

    /** The example impression: a default job (tasks ctr;cvr;opm;gpm, feature-dim 32) accepts it. */
    static Impression impression() {
        List<Float> features = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            features.add((i - 16) / 16f);
        }
        return Impression.newBuilder()
                .setEventId("imp-golden-0001")
                .setRequestId("req-golden-0001")
                .setUserId("user-42")
                .setSessionHint("sess-7")
                .setEventTime(Instant.parse("2024-05-01T12:00:00.250Z"))
                .setModelId("default")
                .setPolicyVersion(7)
                .setServedWeights(List.of(0.5, 0.25, 0.125, 0.125))
                .setFeatures(features)
                .setItems(List.of(
                        new Item("item-a", 0, List.of(0.25f, 0.0625f, 1.5f, 12.0f)),
                        new Item("item-b", 1, List.of(0.125f, 0.03125f, 2.0f, 30.0f)),
                        new Item("item-c", -1, List.of(0.0625f, 0.0078125f, 0.5f, 4.0f))))
                .setArm(ExperimentArm.TREATMENT)
                .build();
    }

    /** A click on the impression's second item, 2.5 s after it was served. */
    static Feedback clickFeedback() {
        return Feedback.newBuilder()
                .setEventId("fb-golden-0001")
                .setRequestId("req-golden-0001")
                .setUserId("user-42")
                .setItemId("item-b")
                .setEventTime(Instant.parse("2024-05-01T12:00:02.750Z"))
                .setType("click")
                .setValue(1.0)
                .build();
    }

    /** A tiny snapshot (for readers of the policy topic: real ones carry the full network). */
    static PolicySnapshot policySnapshot() {
        return PolicySnapshot.newBuilder()
                .setModelId("default")
                .setVersion(7)
                .setCreatedAt(Instant.parse("2024-05-01T12:05:00Z"))
                .setTrainedThrough(Instant.parse("2024-05-01T12:04:59.500Z"))
                .setTaskNames(List.of("ctr", "cvr"))
                .setFeatureDim(2)
                .setFusion(FusionKind.LOG_LINEAR)
                .setBetas(List.of(0.01, 0.01))
                .setExperts(1)
                .setHidden(1)
                .setTower(1)
                .setEpsilonFloor(0.001)
                .setParameters(List.of(new ParameterTensor("out.W", List.of(1, 2), List.of(0.5, -0.5)),
                        new ParameterTensor("out.b", List.of(2), List.of(0.0, 0.25))))
                .setAlphaHat(20.0)
                .setAlphaMin(0.01)
                .setStats(new TrainingStats(0.75, 0.002, 0.125, 12L, 3072L))
                .setChecksum(123456789L)
                .setSignature(null)
                .build();
    }

    /** A kill-switch record (no pin, unsigned) of model {@code default}. */
    static PolicyControl policyControl() {
        return PolicyControl.newBuilder()
                .setModelId("default")
                .setSequence(1)
                .setCreatedAt(Instant.parse("2024-05-01T12:00:00Z"))
                .setIssuedBy("ops@host")
                .setKillSwitch(true)
                .setPinnedVersion(0)
                .setPinnedSnapshot(null)
                .setSignature(null)
                .build();
    }

    /** The dead letter of a Confluent-framed record on the impressions topic. */
    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setSourceTopic("grade.impressions")
                .setPartition(3)
                .setOffset(1042L)
                .setReasonCode("GARBAGE_BYTES")
                .setMessage("not Avro single-object encoding (no C3 01 marker), 9 bytes")
                .setKey(null)
                .setPayload(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1, 2, 'a', 'b', 'c'}))
                .setRecordTimestamp(1714564800250L)
                .setFailedAt(Instant.parse("2024-05-01T12:00:01Z"))
                .setOriginalKeyBytes(7)
                .setOriginalPayloadBytes(9)
                .setTruncated(false)
                .setKeyHashed(false)
                .setRecordSha256(ByteBuffer.wrap(new byte[32]))
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void currentCodecShouldWriteTheGoldenBytes(Sample s) throws IOException {
        byte[] encoded = s.codec().encode(s.record());
        Path bin = GOLDEN.resolve(fileName(s.record().getSchema()) + ".bin");
        Path hex = GOLDEN.resolve(fileName(s.record().getSchema()) + ".hex");
        if (UPDATE) {
            Files.createDirectories(GOLDEN);
            Files.write(bin, encoded);
            Files.writeString(hex, hexDump(bin.getFileName().toString(), s.record().getSchema(), encoded));
        }
        assertThat(encoded).as("%s encoded by the current codec (regenerate deliberately: -Dgolden.update=true)", bin)
                .isEqualTo(Files.readAllBytes(bin));
        assertThat(Files.readString(hex)).as("%s is the hex twin of %s", hex, bin)
                .isEqualTo(hexDump(bin.getFileName().toString(), s.record().getSchema(), encoded));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void goldenBytesShouldDecodeToTheExampleRecord(Sample s) throws IOException {
        DecodeResult<SpecificRecordBase> decoded = s.codec().decode(golden(s.record().getSchema()));
        assertThat(decoded.isOk()).as("%s", decoded).isTrue();
        assertThat(decoded.value()).isEqualTo(s.record());
    }

    @Test
    void goldenImpressionAndFeedbackShouldCarryTheDocumentedFields() throws IOException {
        Impression i = EventCodec.impressions().decode(golden(Impression.getClassSchema())).value();
        assertThat(i.getUserId()).isEqualTo("user-42");
        assertThat(i.getEventTime()).isEqualTo(Instant.ofEpochMilli(1714564800250L));
        assertThat(i.getServedWeights()).containsExactly(0.5, 0.25, 0.125, 0.125);
        assertThat(i.getFeatures()).hasSize(32).startsWith(-1.0f, -0.9375f).endsWith(0.9375f);
        assertThat(i.getItems()).extracting(Item::getItemId).containsExactly("item-a", "item-b", "item-c");
        assertThat(i.getItems()).extracting(Item::getPosition).containsExactly(0, 1, -1);
        assertThat(i.getItems().get(1).getScores()).containsExactly(0.125f, 0.03125f, 2.0f, 30.0f);
        assertThat(i.getArm()).isEqualTo(ExperimentArm.TREATMENT);
        Feedback f = EventCodec.feedback().decode(golden(Feedback.getClassSchema())).value();
        assertThat(f.getRequestId()).isEqualTo(i.getRequestId());
        assertThat(f.getItemId()).isEqualTo("item-b");
        assertThat(f.getType()).isEqualTo("click");
        assertThat(f.getValue()).isEqualTo(1.0);
        assertThat(f.getEventTime()).isEqualTo(Instant.ofEpochMilli(1714564802750L));
    }

    /** Bytes of a writer released before the {@code arm} field (Impression v1) still decode, as UNASSIGNED. */
    @Test
    void impressionOfAnOlderWriterShouldDecodeWithTheArmUnassigned() throws IOException {
        DecodeResult<Impression> d = EventCodec.impressions().decode(Files.readAllBytes(GOLDEN.resolve("impression-v1.bin")));
        assertThat(d.isOk()).as("%s", d).isTrue();
        assertThat(d.value().getArm()).isEqualTo(ExperimentArm.UNASSIGNED);
        assertThat(d.value().getRequestId()).isEqualTo("req-golden-0001");
        assertThat(d.value().getServedWeights()).containsExactly(0.5, 0.25, 0.125, 0.125);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void goldenHeaderShouldBeTheMarkerAndTheDocumentedFingerprint(Sample s) throws IOException {
        Schema schema = s.record().getSchema();
        DocRow row = documentedFingerprints().get(schema.getName() + ".v" + releasedVersion(schema));
        assertThat(row).as("fingerprint table row of %s in %s", fileName(schema), DOC).isNotNull();
        byte[] header = new byte[10];
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        ByteBuffer.wrap(header, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(row.fingerprint());
        assertThat(Arrays.copyOf(golden(schema), 10)).isEqualTo(header);
        assertThat(hex(header, 2, 10)).isEqualTo(row.headerBytes());
    }

    @Test
    void fingerprintTableShouldListEveryReleasedSchemaWithItsFingerprint() throws IOException {
        Map<String, DocRow> expected = new HashMap<>();
        for (Sample s : samples().toList()) {
            List<Schema> released = SchemaHistory.released(s.name());
            for (int v = 1; v <= released.size(); v++) {
                long fp = SchemaNormalization.parsingFingerprint64(released.get(v - 1));
                byte[] le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fp).array();
                expected.put(s.name() + ".v" + v, new DocRow(fp, hex(le, 0, 8)));
            }
        }
        assertThat(documentedFingerprints()).isEqualTo(expected);
    }

    @Test
    void documentedCrc64AvroShouldMatchAvro() {
        for (Sample s : samples().toList()) {
            for (Schema released : SchemaHistory.released(s.name())) {
                byte[] canonical = SchemaNormalization.toParsingForm(released).getBytes(StandardCharsets.UTF_8);
                assertThat(crc64Avro(canonical)).isEqualTo(SchemaNormalization.parsingFingerprint64(released));
            }
        }
        assertThat(crc64Avro(new byte[0])).isEqualTo(CRC64_EMPTY);
    }

    @Test
    void confluentFramedRecordShouldBeGarbageBytes() throws IOException {
        byte[] body = golden(Feedback.getClassSchema());
        byte[] framed = new byte[5 + body.length - 10];
        framed[4] = 1; // magic byte 0, schema id 1 (big-endian), then the Avro body
        System.arraycopy(body, 10, framed, 5, body.length - 10);
        DecodeResult<Feedback> decoded = EventCodec.feedback().decode(framed);
        assertThat(decoded.isOk()).isFalse();
        assertThat(decoded.failure().reason()).isEqualTo(DecodeFailureReason.GARBAGE_BYTES);
    }

    /** CRC-64-AVRO as docs/WIRE-FORMAT.md describes it (the Avro specification's algorithm). */
    static long crc64Avro(byte[] data) {
        long[] table = new long[256];
        for (int i = 0; i < 256; i++) {
            long fp = i;
            for (int j = 0; j < 8; j++) {
                fp = (fp >>> 1) ^ (CRC64_EMPTY & -(fp & 1L));
            }
            table[i] = fp;
        }
        long fp = CRC64_EMPTY;
        for (byte b : data) {
            fp = (fp >>> 8) ^ table[(int) (fp ^ b) & 0xff];
        }
        return fp;
    }

    /** A row of the page's fingerprint table. */
    record DocRow(long fingerprint, String headerBytes) {}

    /** The fingerprint table of docs/WIRE-FORMAT.md, keyed {@code Record.vN}. */
    static Map<String, DocRow> documentedFingerprints() throws IOException {
        Map<String, DocRow> rows = new HashMap<>();
        for (String line : Files.readAllLines(DOC)) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                rows.put(m.group(1) + ".v" + m.group(2),
                        new DocRow(Long.parseUnsignedLong(m.group(3), 16), m.group(4)));
            }
        }
        return rows;
    }

    /** The released version N whose schema is the current one (the golden files are of that version). */
    static int releasedVersion(Schema current) {
        long fp = SchemaNormalization.parsingFingerprint64(current);
        List<Schema> released = SchemaHistory.released(current.getName());
        for (int v = 1; v <= released.size(); v++) {
            if (SchemaNormalization.parsingFingerprint64(released.get(v - 1)) == fp) {
                return v;
            }
        }
        throw new AssertionError("the current " + current.getName() + " schema is not in the released history: "
                + "add it as " + current.getName() + ".v" + (released.size() + 1) + ".avsc, then regenerate");
    }

    static String fileName(Schema current) {
        return current.getName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT)
                + "-v" + releasedVersion(current);
    }

    private static byte[] golden(Schema current) throws IOException {
        return Files.readAllBytes(GOLDEN.resolve(fileName(current) + ".bin"));
    }

    /** Commented hex dump: what the header bytes are, then 16 bytes a line with their offset. */
    static String hexDump(String file, Schema schema, byte[] bytes) {
        StringBuilder out = new StringBuilder()
                .append("# ").append(file).append(": ").append(schema.getFullName()).append(" schema v")
                .append(releasedVersion(schema)).append(", ").append(bytes.length).append(" bytes; see docs/WIRE-FORMAT.md\n")
                .append("# bytes 0-1 marker ").append(hex(bytes, 0, 2)).append(", bytes 2-9 fingerprint ")
                .append(hex(bytes, 2, 10)).append(String.format(" (0x%016x, little-endian)",
                        ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()))
                .append(", bytes 10- Avro binary body\n");
        for (int off = 0; off < bytes.length; off += 16) {
            out.append(String.format("%04x  ", off)).append(hex(bytes, off, Math.min(off + 16, bytes.length))).append('\n');
        }
        return out.toString();
    }

    private static String hex(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(i > from ? " " : "").append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }
}
