package io.grade.jobs.session;

import io.grade.jobs.serde.CompactSerializer;
import io.grade.jobs.serde.StateIo;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Serializer of {@link ClosedRequest} (the tombstone stage of a {@link RequestSlot} in state {@code requests}): times, then the feedback ids seen. */
public final class ClosedRequestSerializer extends CompactSerializer<ClosedRequest> {

    private static final long serialVersionUID = 1L;

    public static final ClosedRequestSerializer INSTANCE = new ClosedRequestSerializer();

    @Override
    public ClosedRequest createInstance() {
        return new ClosedRequest();
    }

    @Override
    public void serialize(ClosedRequest c, DataOutputView out) throws IOException {
        out.writeLong(c.closedAt);
        out.writeLong(c.expiresAt);
        StateIo.writeStrings(c.feedbackEventIds, out);
    }

    @Override
    public ClosedRequest deserialize(DataInputView in) throws IOException {
        ClosedRequest c = new ClosedRequest();
        c.closedAt = in.readLong();
        c.expiresAt = in.readLong();
        c.feedbackEventIds = StateIo.readStrings(in);
        return c;
    }

    @Override
    public TypeSerializerSnapshot<ClosedRequest> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ClosedRequest> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
