package io.grade.jobs.session;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Serializer of {@link Agenda} (state {@code agenda}): count, then kind and request id per task. */
public final class AgendaSerializer extends CompactSerializer<Agenda> {

    private static final long serialVersionUID = 1L;

    public static final AgendaSerializer INSTANCE = new AgendaSerializer();

    @Override
    public Agenda createInstance() {
        return new Agenda();
    }

    @Override
    public void serialize(Agenda a, DataOutputView out) throws IOException {
        StateIo.writeVarInt(a.kinds.length, out);
        for (int i = 0; i < a.kinds.length; i++) {
            out.writeByte(a.kinds[i]);
            StateIo.writeString(a.ids[i], out);
        }
    }

    @Override
    public Agenda deserialize(DataInputView in) throws IOException {
        Agenda a = new Agenda();
        int n = StateIo.readVarInt(in);
        a.kinds = new byte[n];
        a.ids = new String[n];
        for (int i = 0; i < n; i++) {
            a.kinds[i] = in.readByte();
            a.ids[i] = StateIo.readString(in);
        }
        return a;
    }

    @Override
    public TypeSerializerSnapshot<Agenda> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Agenda> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
