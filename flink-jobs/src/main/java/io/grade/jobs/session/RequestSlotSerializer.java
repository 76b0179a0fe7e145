package io.grade.jobs.session;

import io.grade.jobs.serde.CompactSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Serializer of {@link RequestSlot} (state {@code requests}): the kind byte, then that stage's serializer. */
public final class RequestSlotSerializer extends CompactSerializer<RequestSlot> {

    private static final long serialVersionUID = 1L;

    public static final RequestSlotSerializer INSTANCE = new RequestSlotSerializer();

    @Override
    public RequestSlot createInstance() {
        return RequestSlot.orphans(new OrphanBuffer());
    }

    @Override
    public void serialize(RequestSlot s, DataOutputView out) throws IOException {
        out.writeByte(s.kind);
        switch (s.kind) {
            case RequestSlot.ORPHANS -> OrphanBufferSerializer.INSTANCE.serialize(s.orphans, out);
            case RequestSlot.OPEN -> RequestLabelsSerializer.INSTANCE.serialize(s.labels, out);
            case RequestSlot.CLOSED -> ClosedRequestSerializer.INSTANCE.serialize(s.closed, out);
            default -> throw new IOException("unknown request slot kind " + s.kind);
        }
    }

    @Override
    public RequestSlot deserialize(DataInputView in) throws IOException {
        byte kind = in.readByte();
        return switch (kind) {
            case RequestSlot.ORPHANS -> RequestSlot.orphans(OrphanBufferSerializer.INSTANCE.deserialize(in));
            case RequestSlot.OPEN -> RequestSlot.open(RequestLabelsSerializer.INSTANCE.deserialize(in));
            case RequestSlot.CLOSED -> RequestSlot.closed(ClosedRequestSerializer.INSTANCE.deserialize(in));
            default -> throw new IOException("unknown request slot kind " + kind);
        };
    }

    @Override
    public TypeSerializerSnapshot<RequestSlot> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RequestSlot> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
