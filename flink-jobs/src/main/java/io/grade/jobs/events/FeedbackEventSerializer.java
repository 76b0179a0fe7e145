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
 * Serializer of {@link FeedbackEvent} between the source and the session join: every field in a
 * fixed order, strings as UTF-8, small ints as var-ints; no reflection (the POJO serializer took
 * 14 % of the source threads, docs/design-join.md).
 */
public final class FeedbackEventSerializer extends CompactSerializer<FeedbackEvent> {

    private static final long serialVersionUID = 1L;

    public static final FeedbackEventSerializer INSTANCE = new FeedbackEventSerializer();

    @Override
    public FeedbackEvent createInstance() {
        return new FeedbackEvent();
    }

    @Override
    public FeedbackEvent copy(FeedbackEvent from) {
        FeedbackEvent f = new FeedbackEvent();
        f.eventId = from.eventId;
        f.requestId = from.requestId;
        f.userId = from.userId;
        f.itemId = from.itemId;
        f.eventTime = from.eventTime;
        f.type = from.type;
        f.task = from.task;
        f.value = from.value;
        f.sourcePartition = from.sourcePartition;
        f.sourceOffset = from.sourceOffset;
        return f;
    }

    @Override
    public void serialize(FeedbackEvent f, DataOutputView out) throws IOException {
        StateIo.writeString(f.requestId, out);
        StateIo.writeString(f.userId, out);
        writeBody(f, out);
    }

    @Override
    public FeedbackEvent deserialize(DataInputView in) throws IOException {
        FeedbackEvent f = new FeedbackEvent();
        f.requestId = StateIo.readString(in);
        f.userId = StateIo.readString(in);
        readBody(f, in);
        return f;
    }

    /**
     * Every field but the request and user id, which the orphan buffers of the join state write once
     * per buffer ({@code OrphanBufferSerializer}).
     */
    public static void writeBody(FeedbackEvent f, DataOutputView out) throws IOException {
        StateIo.writeString(f.eventId, out);
        StateIo.writeString(f.itemId, out);
        out.writeLong(f.eventTime);
        StateIo.writeString(f.type, out);
        out.writeInt(f.task);
        out.writeDouble(f.value);
        out.writeInt(f.sourcePartition);
        out.writeLong(f.sourceOffset);
    }

    /** Reads what {@link #writeBody} wrote into {@code f}. */
    public static void readBody(FeedbackEvent f, DataInputView in) throws IOException {
        f.eventId = StateIo.readString(in);
        f.itemId = StateIo.readString(in);
        f.eventTime = in.readLong();
        f.type = StateIo.readString(in);
        f.task = in.readInt();
        f.value = in.readDouble();
        f.sourcePartition = in.readInt();
        f.sourceOffset = in.readLong();
    }

    @Override
    public TypeSerializerSnapshot<FeedbackEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<FeedbackEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** The {@code @TypeInfo} factory of {@link FeedbackEvent}. */
    public static final class Factory extends TypeInfoFactory<FeedbackEvent> {
        @Override
        public TypeInformation<FeedbackEvent> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(FeedbackEvent.class, INSTANCE);
        }
    }
}
