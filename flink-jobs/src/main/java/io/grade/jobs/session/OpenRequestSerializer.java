package io.grade.jobs.session;

import io.grade.jobs.serde.StateIo;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link OpenRequest} (state {@code open-requests}): fields in a fixed order,
 * primitive arrays length-prefixed, positions as var-ints. No reflection, no Kryo. Changing the
 * layout needs a new snapshot version: snapshot version 3 (the stateless snapshot of the first
 * release) is the layout without the online-holdout arm, read by {@link Layout1} and migrated on
 * restore; version 4 adds the arm byte after the policy version.
 */
public class OpenRequestSerializer extends TypeSerializerSingleton<OpenRequest> {

    private static final long serialVersionUID = 1L;

    public static final OpenRequestSerializer INSTANCE = new OpenRequestSerializer();

    private OpenRequestSerializer() {}

    /** Whether the layout has the arm byte (false only in {@link Layout1}). */
    boolean withArm() {
        return true;
    }

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
        c.arm = from.arm;
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
        if (withArm()) {
            out.writeByte(r.arm);
        }
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
        r.arm = withArm() ? in.readByte() : 0;
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

    /**
     * The layout of snapshot version 3, before the arm (restores read as UNASSIGNED). Only restores
     * use it, to read state written by an older job before Flink migrates it to the current layout.
     */
    public static final class Layout1 extends OpenRequestSerializer {
        private static final long serialVersionUID = 1L;
        public static final Layout1 INSTANCE = new Layout1();

        private Layout1() {}

        @Override
        boolean withArm() {
            return false;
        }

        @Override
        public TypeSerializerSnapshot<OpenRequest> snapshotConfiguration() {
            Snapshot s = new Snapshot();
            s.version = Snapshot.WITHOUT_ARM;
            return s;
        }
    }

    /**
     * Snapshot of the stateless serializer (restored by reflection: public, no-arg). Its version
     * says the layout: 3 without the arm (written as a SimpleTypeSerializerSnapshot by jobs before
     * the online holdout), 4 with it.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<OpenRequest> {
        static final int WITHOUT_ARM = 3;
        static final int WITH_ARM = 4;
        private int version = WITH_ARM;

        public Snapshot() {}

        @Override
        public int getCurrentVersion() {
            return WITH_ARM;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {
            // stateless: the version is the whole configuration
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) throws IOException {
            if (readVersion != WITHOUT_ARM && readVersion != WITH_ARM) {
                throw new IOException("open-requests serializer snapshot version " + readVersion
                        + " is unknown (this job reads " + WITHOUT_ARM + " and " + WITH_ARM + ")");
            }
            version = readVersion;
        }

        @Override
        public TypeSerializer<OpenRequest> restoreSerializer() {
            return version == WITH_ARM ? INSTANCE : Layout1.INSTANCE;
        }

        @Override
        public TypeSerializerSchemaCompatibility<OpenRequest> resolveSchemaCompatibility(
                TypeSerializerSnapshot<OpenRequest> oldSnapshot) {
            if (!(oldSnapshot instanceof Snapshot old)) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            return old.version == WITH_ARM ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.compatibleAfterMigration();
        }
    }
}
