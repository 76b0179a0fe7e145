package io.grade.jobs.events;

import io.grade.jobs.serde.CompactSerializer;
import io.grade.jobs.serde.SerializerTypeInfo;
import io.grade.jobs.serde.StateIo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link ImpressionEvent} between the source and the session join: scalar fields in a
 * fixed order, then a var-int saying which of the five arrays are present, then those arrays
 * (positions as var-ints); no reflection (docs/design-join.md).
 */
public final class ImpressionEventSerializer extends CompactSerializer<ImpressionEvent> {

    private static final long serialVersionUID = 1L;

    public static final ImpressionEventSerializer INSTANCE = new ImpressionEventSerializer();

    private static final int WEIGHTS = 1;
    private static final int FEATURES = 2;
    private static final int ITEMS = 4;
    private static final int POSITIONS = 8;
    private static final int SCORES = 16;

    @Override
    public ImpressionEvent createInstance() {
        return new ImpressionEvent();
    }

    @Override
    public ImpressionEvent copy(ImpressionEvent from) {
        ImpressionEvent e = new ImpressionEvent();
        e.eventId = from.eventId;
        e.requestId = from.requestId;
        e.userId = from.userId;
        e.eventTime = from.eventTime;
        e.modelId = from.modelId;
        e.policyVersion = from.policyVersion;
        e.arm = from.arm;
        e.servedWeights = from.servedWeights == null ? null : from.servedWeights.clone();
        e.features = from.features == null ? null : from.features.clone();
        e.itemIds = from.itemIds == null ? null : from.itemIds.clone();
        e.positions = from.positions == null ? null : from.positions.clone();
        e.scores = from.scores == null ? null : from.scores.clone();
        return e;
    }

    @Override
    public void serialize(ImpressionEvent e, DataOutputView out) throws IOException {
        StateIo.writeString(e.eventId, out);
        StateIo.writeString(e.requestId, out);
        StateIo.writeString(e.userId, out);
        out.writeLong(e.eventTime);
        StateIo.writeString(e.modelId, out);
        out.writeLong(e.policyVersion);
        out.writeByte(e.arm);
        int present = (e.servedWeights != null ? WEIGHTS : 0) | (e.features != null ? FEATURES : 0)
                | (e.itemIds != null ? ITEMS : 0) | (e.positions != null ? POSITIONS : 0) | (e.scores != null ? SCORES : 0);
        StateIo.writeVarInt(present, out);
        if (e.servedWeights != null) {
            StateIo.writeDoubles(e.servedWeights, out);
        }
        if (e.features != null) {
            StateIo.writeFloats(e.features, out);
        }
        if (e.itemIds != null) {
            StateIo.writeStrings(e.itemIds, out);
        }
        if (e.positions != null) {
            StateIo.writeSmallInts(e.positions, 1, out);
        }
        if (e.scores != null) {
            StateIo.writeFloats(e.scores, out);
        }
    }

    @Override
    public ImpressionEvent deserialize(DataInputView in) throws IOException {
        ImpressionEvent e = new ImpressionEvent();
        e.eventId = StateIo.readString(in);
        e.requestId = StateIo.readString(in);
        e.userId = StateIo.readString(in);
        e.eventTime = in.readLong();
        e.modelId = StateIo.readString(in);
        e.policyVersion = in.readLong();
        e.arm = in.readByte();
        int present = StateIo.readVarInt(in);
        e.servedWeights = (present & WEIGHTS) != 0 ? StateIo.readDoubles(in) : null;
        e.features = (present & FEATURES) != 0 ? StateIo.readFloats(in) : null;
        e.itemIds = (present & ITEMS) != 0 ? StateIo.readStrings(in) : null;
        e.positions = (present & POSITIONS) != 0 ? StateIo.readSmallInts(1, in) : null;
        e.scores = (present & SCORES) != 0 ? StateIo.readFloats(in) : null;
        return e;
    }

    @Override
    public TypeSerializerSnapshot<ImpressionEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ImpressionEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** The {@code @TypeInfo} factory of {@link ImpressionEvent}. */
    public static final class Factory extends TypeInfoFactory<ImpressionEvent> {
        @Override
        public TypeInformation<ImpressionEvent> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(ImpressionEvent.class, INSTANCE);
        }
    }
}
