package io.grade.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.Fixtures;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The hand-written network serializers of the two event types: exact round trips, deep copies, restorable snapshots. */
class EventSerializersTest {

    private static <T> T roundTrip(TypeSerializer<T> s, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        // two records back to back, as in a network buffer: each read stops at its own end
        s.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = s.deserialize(in);
        T second = s.deserialize(s.createInstance(), in);
        assertThat(in.available()).as("bytes left unread").isZero();
        assertThat(bytes(s, second)).isEqualTo(bytes(s, back));
        DataOutputSerializer copied = new DataOutputSerializer(64);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        byte[] one = new byte[copied.length()];
        System.arraycopy(out.getSharedBuffer(), 0, one, 0, one.length);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(one);
        return back;
    }

    private static <T> byte[] bytes(TypeSerializer<T> s, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        return out.getCopyOfBuffer();
    }

    private static <T> void assertRestorable(TypeSerializer<T> s) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, s.snapshotConfiguration());
        TypeSerializerSnapshot<T> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), EventSerializersTest.class.getClassLoader());
        assertThat(restored.restoreSerializer()).isEqualTo(s);
        assertThat(s.snapshotConfiguration().resolveSchemaCompatibility(restored).isCompatibleAsIs()).isTrue();
    }

    @Test
    void shouldRoundTripAnImpressionWithEveryField() throws Exception {
        ImpressionEvent e = Fixtures.impression("ü-1", "r1", 1_767_225_600_123L, 5);
        e.positions[3] = -1;
        e.itemIds[4] = "商品-4";
        e.features[1] = Float.NaN; // bit patterns travel unchanged
        ImpressionEvent back = roundTrip(ImpressionEventSerializer.INSTANCE, e);
        assertThat(back).usingRecursiveComparison().ignoringFields("features").isEqualTo(e);
        assertThat(back.features).containsExactly(e.features);
        assertRestorable(ImpressionEventSerializer.INSTANCE);
    }

    @Test
    void shouldRoundTripAnImpressionWithNullFields() throws Exception {
        ImpressionEvent e = new ImpressionEvent();
        e.requestId = "r1";
        e.scores = new float[0];
        ImpressionEvent back = roundTrip(ImpressionEventSerializer.INSTANCE, e);
        assertThat(back).usingRecursiveComparison().isEqualTo(e);
        assertThat(back.itemIds).isNull();
        assertThat(back.scores).isEmpty();
    }

    @Test
    void shouldCopyAnImpressionDeeply() {
        ImpressionEvent e = Fixtures.impression("u1", "r1", 1_000, 3);
        ImpressionEvent copy = ImpressionEventSerializer.INSTANCE.copy(e);
        assertThat(copy).usingRecursiveComparison().isEqualTo(e);
        copy.scores[0] = 42f;
        copy.itemIds[0] = "other";
        copy.positions[0] = 9;
        copy.features[0] = 7f;
        copy.servedWeights[0] = 1.0;
        assertThat(e.scores[0]).isNotEqualTo(42f);
        assertThat(e.itemIds[0]).isEqualTo("i0");
        assertThat(e.positions[0]).isZero();
        assertThat(e.features[0]).isEqualTo(0.1f);
        assertThat(e.servedWeights[0]).isEqualTo(0.25);
    }

    @Test
    void shouldRoundTripAndCopyFeedback() throws Exception {
        FeedbackEvent f = Fixtures.feedback("f1", "u1", "r1", "i3", 2_000, Fixtures.CVR, 12.5);
        f.sourcePartition = 3;
        f.sourceOffset = 1L << 40;
        assertThat(roundTrip(FeedbackEventSerializer.INSTANCE, f)).usingRecursiveComparison().isEqualTo(f);
        FeedbackEvent nulls = new FeedbackEvent();
        nulls.value = Double.NEGATIVE_INFINITY;
        assertThat(roundTrip(FeedbackEventSerializer.INSTANCE, nulls)).usingRecursiveComparison().isEqualTo(nulls);
        FeedbackEvent copy = FeedbackEventSerializer.INSTANCE.copy(f);
        assertThat(copy).isNotSameAs(f).usingRecursiveComparison().isEqualTo(f);
        assertRestorable(FeedbackEventSerializer.INSTANCE);
    }
}
