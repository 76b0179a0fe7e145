package io.grade.jobs.session;

import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.FeedbackEventSerializer;
import io.grade.jobs.serde.CompactSerializer;
import io.grade.jobs.serde.StateIo;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link OrphanBuffer} (in the {@code requests} state's {@link RequestSlot}): count,
 * the request and user id once, then every buffered feedback event's own fields and its expiry.
 * Rewritten on every buffered event, so no reflection.
 */
public final class OrphanBufferSerializer extends CompactSerializer<OrphanBuffer> {

    private static final long serialVersionUID = 1L;

    public static final OrphanBufferSerializer INSTANCE = new OrphanBufferSerializer();

    @Override
    public OrphanBuffer createInstance() {
        return new OrphanBuffer();
    }

    @Override
    public void serialize(OrphanBuffer b, DataOutputView out) throws IOException {
        StateIo.writeVarInt(b.events.length, out);
        if (b.events.length == 0) {
            return;
        }
        // One buffer holds the feedback of one request of one user: the ids are written once.
        String requestId = b.events[0].requestId;
        String userId = b.events[0].userId;
        StateIo.writeString(requestId, out);
        StateIo.writeString(userId, out);
        for (int i = 0; i < b.events.length; i++) {
            FeedbackEvent f = b.events[i];
            if (!requestId.equals(f.requestId) || !userId.equals(f.userId)) {
                throw new IOException("an orphan buffer mixes requests: " + requestId + "/" + userId + " and "
                        + f.requestId + "/" + f.userId);
            }
            FeedbackEventSerializer.writeBody(f, out);
            out.writeLong(b.expiries[i]);
        }
    }

    @Override
    public OrphanBuffer deserialize(DataInputView in) throws IOException {
        OrphanBuffer b = new OrphanBuffer();
        int n = StateIo.readVarInt(in);
        b.events = new FeedbackEvent[n];
        b.expiries = new long[n];
        if (n == 0) {
            return b;
        }
        String requestId = StateIo.readString(in);
        String userId = StateIo.readString(in);
        for (int i = 0; i < n; i++) {
            FeedbackEvent f = new FeedbackEvent();
            f.requestId = requestId;
            f.userId = userId;
            FeedbackEventSerializer.readBody(f, in);
            b.events[i] = f;
            b.expiries[i] = in.readLong();
        }
        return b;
    }

    @Override
    public TypeSerializerSnapshot<OrphanBuffer> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<OrphanBuffer> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
