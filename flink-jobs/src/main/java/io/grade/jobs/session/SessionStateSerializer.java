package io.grade.jobs.session;

import io.grade.jobs.serde.CompactSerializer;
import io.grade.jobs.serde.StateIo;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Serializer of {@link SessionState} (state {@code session}): start, last time, request count. */
public final class SessionStateSerializer extends CompactSerializer<SessionState> {

    private static final long serialVersionUID = 1L;

    public static final SessionStateSerializer INSTANCE = new SessionStateSerializer();

    @Override
    public SessionState createInstance() {
        return new SessionState();
    }

    @Override
    public void serialize(SessionState s, DataOutputView out) throws IOException {
        out.writeLong(s.start);
        out.writeLong(s.lastTime);
        StateIo.writeVarInt(s.requests, out);
    }

    @Override
    public SessionState deserialize(DataInputView in) throws IOException {
        return new SessionState(in.readLong(), in.readLong(), StateIo.readVarInt(in));
    }

    @Override
    public TypeSerializerSnapshot<SessionState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SessionState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
