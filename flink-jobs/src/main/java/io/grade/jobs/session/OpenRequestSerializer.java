package io.grade.jobs.session;

import io.grade.jobs.serde.StateIo;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link OpenRequest} (state {@code open-requests}): fields in a fixed order,
 * primitive arrays length-prefixed, positions as var-ints. No reflection, no Kryo. Changing the
 * layout needs a new snapshot version.
 */
public final class OpenRequestSerializer extends TypeSerializerSingleton<OpenRequest> {

    private static final long serialVersionUID = 1L;

    public static final OpenRequestSerializer INSTANCE = new OpenRequestSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public OpenRequest createInstance() {
        return new OpenRequest();
    }

    @Override
    public OpenRequest copy(OpenRequest from) {
        OpenRequest c = new OpenRequest();
        c.requestId = from.requestId;
        c.impressionEventId = from.impressionEventId;
        c.userId = from.userId;
        c.eventTime = from.eventTime;
        c.closeTime = from.closeTime;
        c.modelId = from.modelId;
        c.policyVersion = from.policyVersion;
        c.servedWeights = from.servedWeights.clone();
        c.features = from.features.clone();
        c.positions = from.positions.clone();
        c.scores = from.scores.clone();
        c.sessionStart = from.sessionStart;
        c.sessionPosition = from.sessionPosition;
        return c;
    }

    @Override
    public OpenRequest copy(OpenRequest from, OpenRequest reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(OpenRequest r, DataOutputView out) throws IOException {
        StateIo.writeString(r.requestId, out);
        StateIo.writeString(r.impressionEventId, out);
        StateIo.writeString(r.userId, out);
        out.writeLong(r.eventTime);
        out.writeLong(r.closeTime);
        StateIo.writeString(r.modelId, out);
        out.writeLong(r.policyVersion);
        StateIo.writeDoubles(r.servedWeights, out);
        StateIo.writeFloats(r.features, out);
        StateIo.writeSmallInts(r.positions, 1, out);
        StateIo.writeFloats(r.scores, out);
        out.writeLong(r.sessionStart);
        StateIo.writeVarInt(r.sessionPosition, out);
    }

    @Override
    public OpenRequest deserialize(DataInputView in) throws IOException {
        OpenRequest r = new OpenRequest();
        r.requestId = StateIo.readString(in);
        r.impressionEventId = StateIo.readString(in);
        r.userId = StateIo.readString(in);
        r.eventTime = in.readLong();
        r.closeTime = in.readLong();
        r.modelId = StateIo.readString(in);
        r.policyVersion = in.readLong();
        r.servedWeights = StateIo.readDoubles(in);
        r.features = StateIo.readFloats(in);
        r.positions = StateIo.readSmallInts(1, in);
        r.scores = StateIo.readFloats(in);
        r.sessionStart = in.readLong();
        r.sessionPosition = StateIo.readVarInt(in);
        return r;
    }

    @Override
    public OpenRequest deserialize(OpenRequest reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<OpenRequest> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<OpenRequest> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
