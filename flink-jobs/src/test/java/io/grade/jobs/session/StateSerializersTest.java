package io.grade.jobs.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.jobs.Fixtures;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.reward.ServedReward;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The hand-written serializers of the open-request state: exact round trips and restorable snapshots. */
class StateSerializersTest {

    private final GradeConfig config = Fixtures.testConfig();

    private static <T> T roundTrip(TypeSerializer<T> s, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = s.deserialize(in);
        assertThat(in.available()).as("bytes left unread").isZero();
        // copy(DataInputView, DataOutputView) writes the same bytes
        DataOutputSerializer copied = new DataOutputSerializer(64);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        return back;
    }

    private static <T> void assertRestorable(TypeSerializer<T> s) throws Exception {
        TypeSerializerSnapshot<T> snapshot = s.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<T> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), StateSerializersTest.class.getClassLoader());
        assertThat(restored.restoreSerializer()).isEqualTo(s);
        TypeSerializerSchemaCompatibility<T> compatibility =
                s.snapshotConfiguration().resolveSchemaCompatibility(restored);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }

    private RequestLabels labels(ImpressionEvent e) {
        ServedReward reward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        return RequestLabels.open(e, reward.rank(e.scores, e.positions, e.servedWeights), config.tasks());
    }

    @Test
    void shouldRoundTripAnOpenRequest() throws Exception {
        ImpressionEvent e = Fixtures.impression("u1", "r1", 1_000, 4);
        e.positions[2] = -1;
        OpenRequest r = OpenRequest.open(e, SessionState.next(null, 1_000, 100), config);
        r.modelId = null;
        OpenRequest back = roundTrip(OpenRequestSerializer.INSTANCE, r);
        assertThat(back).usingRecursiveComparison().isEqualTo(r);
        assertThat(OpenRequestSerializer.INSTANCE.copy(r)).usingRecursiveComparison().isEqualTo(r);
        assertRestorable(OpenRequestSerializer.INSTANCE);
        r.arm = 2;
        assertThat(roundTrip(OpenRequestSerializer.INSTANCE, r).arm).isEqualTo((byte) 2);
    }

    /** State written before the online holdout (snapshot version 3, no arm) restores with a migration. */
    @Test
    void openRequestsOfAJobBeforeTheArmShouldMigrateAndReadAsUnassigned() throws Exception {
        ImpressionEvent e = Fixtures.impression("u1", "r1", 1_000, 4);
        OpenRequest r = OpenRequest.open(e, SessionState.next(null, 1_000, 100), config);
        DataOutputSerializer oldBytes = new DataOutputSerializer(64);
        OpenRequestSerializer.Layout1.INSTANCE.serialize(r, oldBytes);
        DataOutputSerializer currentBytes = new DataOutputSerializer(64);
        OpenRequestSerializer.INSTANCE.serialize(r, currentBytes);
        assertThat(currentBytes.length()).isEqualTo(oldBytes.length() + 1);

        OpenRequestSerializer.Snapshot old = new OpenRequestSerializer.Snapshot();
        old.readSnapshot(3, new DataInputDeserializer(new byte[0]), getClass().getClassLoader());
        assertThat(OpenRequestSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(old)
                .isCompatibleAfterMigration()).isTrue();
        r.arm = 1;
        OpenRequest migrated = old.restoreSerializer().deserialize(new DataInputDeserializer(oldBytes.getCopyOfBuffer()));
        assertThat(migrated.arm).isZero();
        assertThat(migrated).usingRecursiveComparison().ignoringFields("arm").isEqualTo(r);
        assertThatThrownBy(() -> old.readSnapshot(5, new DataInputDeserializer(new byte[0]), getClass().getClassLoader()))
                .hasMessageContaining("version 5");
    }

    @Test
    void shouldRoundTripLabelsWithNonAsciiItemIds() throws Exception {
        ImpressionEvent e = Fixtures.impression("u1", "r1", 1_000, 3);
        e.itemIds = new String[] {"é-1", "i", "商品-2"};
        RequestLabels l = labels(e);
        assertThat(l.apply(Fixtures.feedback("a", "u1", "r1", "商品-2", 1_001, Fixtures.GPM, 2.5), config))
                .isEqualTo(FeedbackOutcome.JOINED);
        assertThat(l.apply(Fixtures.feedback("b", "u1", "r1", "é-1", 1_002, Fixtures.CTR, 1), config))
                .isEqualTo(FeedbackOutcome.JOINED);
        assertThat(l.apply(Fixtures.feedback("c", "u1", "r1", "商品", 1_002, Fixtures.CTR, 1), config))
                .isEqualTo(FeedbackOutcome.UNKNOWN_ITEM);
        RequestLabels back = roundTrip(RequestLabelsSerializer.INSTANCE, l);
        assertThat(back).isEqualTo(l);
        assertThat(back.itemIds()).containsExactly("é-1", "i", "商品-2");
        assertThat(back.label(2, Fixtures.GPM)).isEqualTo(2.5);
        assertThat(back.feedbackEventIds()).containsExactly("a", "b", "c");
        // the copy is deep: applying to it leaves the original alone
        RequestLabels copy = RequestLabelsSerializer.INSTANCE.copy(l);
        copy.apply(Fixtures.feedback("d", "u1", "r1", "i", 1_003, Fixtures.CTR, 1), config);
        assertThat(l.label(1, Fixtures.CTR)).isZero();
        assertThat(l.joinedFeedback()).isEqualTo(2);
        assertRestorable(RequestLabelsSerializer.INSTANCE);
    }

    @Test
    void shouldRoundTripEveryStageOfARequestSlot() throws Exception {
        RequestLabels l = labels(Fixtures.impression("u1", "r1", 0, 3));
        l.apply(Fixtures.feedback("a", "u1", "r1", "i1", 10, Fixtures.CTR, 1), config);
        OrphanBuffer o = new OrphanBuffer();
        o.add(Fixtures.feedback("b", "u1", "r2", "i0", 20, Fixtures.GPM, 3.5), 5_020);
        ClosedRequest c = ClosedRequest.of(l, 10_000, 30_000);
        for (RequestSlot slot : new RequestSlot[] {RequestSlot.open(l), RequestSlot.orphans(o), RequestSlot.closed(c)}) {
            RequestSlot back = roundTrip(RequestSlotSerializer.INSTANCE, slot);
            assertThat(back.kind).isEqualTo(slot.kind);
            assertThat(back).isEqualTo(slot);
        }
        assertThat(roundTrip(RequestSlotSerializer.INSTANCE, RequestSlot.open(l)).labels.label(1, Fixtures.CTR)).isEqualTo(1.0);
        assertThat(roundTrip(RequestSlotSerializer.INSTANCE, RequestSlot.orphans(o)).orphans.expiries).containsExactly(5_020L);
        assertThat(roundTrip(RequestSlotSerializer.INSTANCE, RequestSlot.closed(c)).closed.feedbackEventIds).containsExactly("a");
        assertRestorable(RequestSlotSerializer.INSTANCE);
    }

    @Test
    void shouldRoundTripTheSmallStateTypes() throws Exception {
        SessionState s = SessionState.next(SessionState.next(null, 1_000, 100), 1_050, 100);
        assertThat(roundTrip(SessionStateSerializer.INSTANCE, s)).usingRecursiveComparison().isEqualTo(s);
        assertRestorable(SessionStateSerializer.INSTANCE);

        RequestLabels l = labels(Fixtures.impression("u1", "r1", 0, 2));
        l.apply(Fixtures.feedback("a", "u1", "r1", "i1", 10, Fixtures.CTR, 1), config);
        ClosedRequest c = ClosedRequest.of(l, 500, 1_000);
        c.remember("b");
        ClosedRequest closedBack = roundTrip(ClosedRequestSerializer.INSTANCE, c);
        assertThat(closedBack).usingRecursiveComparison().isEqualTo(c);
        assertThat(ClosedRequestSerializer.INSTANCE.copy(c)).usingRecursiveComparison().isEqualTo(c);
        assertRestorable(ClosedRequestSerializer.INSTANCE);

        OrphanBuffer o = new OrphanBuffer();
        o.add(Fixtures.feedback("a", "u1", "r1", "i1", 10, Fixtures.CTR, 1), 110);
        o.add(Fixtures.feedback("b", "u1", "r1", "i0", 20, Fixtures.GPM, 7.5), 120);
        o.events[1].sourcePartition = 3;
        o.events[1].sourceOffset = 42;
        OrphanBuffer orphansBack = roundTrip(OrphanBufferSerializer.INSTANCE, o);
        assertThat(orphansBack).usingRecursiveComparison().isEqualTo(o);
        assertThat(orphansBack.earliestExpiry()).isEqualTo(110);
        assertRestorable(OrphanBufferSerializer.INSTANCE);
    }
}
