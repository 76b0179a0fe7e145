package io.grade.jobs.session;

import io.grade.jobs.reward.ServedRanking;
import io.grade.jobs.serde.StateIo;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link RequestLabels} (the open stage of a {@link RequestSlot} in state {@code requests}), read and written on
 * every feedback event: the item ids as one length-prefixed UTF-8 blob, small ints as var-ints,
 * sparse labels. No reflection, no Kryo. Changing the layout needs a new snapshot version.
 */
public final class RequestLabelsSerializer extends TypeSerializerSingleton<RequestLabels> {

    private static final long serialVersionUID = 1L;

    public static final RequestLabelsSerializer INSTANCE = new RequestLabelsSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public RequestLabels createInstance() {
        return new RequestLabels();
    }

    @Override
    public RequestLabels copy(RequestLabels from) {
        RequestLabels c = new RequestLabels();
        c.eventTime = from.eventTime;
        c.tasks = from.tasks;
        c.itemIdBytes = from.itemIdBytes.clone();
        c.itemEnds = from.itemEnds.clone();
        c.ranking = new ServedRanking(from.ranking.topK().clone(), from.ranking.prior(), from.ranking.formatFraction());
        c.cells = Arrays.copyOf(from.cells, from.count);
        c.values = Arrays.copyOf(from.values, from.count);
        c.count = from.count;
        c.feedbackEventIds = from.feedbackEventIds.clone();
        c.joinedFeedback = from.joinedFeedback;
        return c;
    }

    @Override
    public RequestLabels copy(RequestLabels from, RequestLabels reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(RequestLabels l, DataOutputView out) throws IOException {
        out.writeLong(l.eventTime);
        StateIo.writeVarInt(l.tasks, out);
        StateIo.writeVarInt(l.itemIdBytes.length, out);
        out.write(l.itemIdBytes);
        StateIo.writeVarInt(l.itemEnds.length, out);
        int start = 0;
        for (int end : l.itemEnds) {
            StateIo.writeVarInt(end - start, out);
            start = end;
        }
        StateIo.writeSmallInts(l.ranking.topK(), 0, out);
        out.writeDouble(l.ranking.prior());
        out.writeDouble(l.ranking.formatFraction());
        StateIo.writeVarInt(l.count, out);
        for (int i = 0; i < l.count; i++) {
            StateIo.writeVarInt(l.cells[i], out);
            out.writeDouble(l.values[i]);
        }
        StateIo.writeStrings(l.feedbackEventIds, out);
        StateIo.writeVarInt(l.joinedFeedback, out);
    }

    @Override
    public RequestLabels deserialize(DataInputView in) throws IOException {
        RequestLabels l = new RequestLabels();
        l.eventTime = in.readLong();
        l.tasks = StateIo.readVarInt(in);
        l.itemIdBytes = new byte[StateIo.readVarInt(in)];
        in.readFully(l.itemIdBytes);
        l.itemEnds = new int[StateIo.readVarInt(in)];
        int end = 0;
        for (int j = 0; j < l.itemEnds.length; j++) {
            end += StateIo.readVarInt(in);
            l.itemEnds[j] = end;
        }
        int[] topK = StateIo.readSmallInts(0, in);
        l.ranking = new ServedRanking(topK, in.readDouble(), in.readDouble());
        l.count = StateIo.readVarInt(in);
        l.cells = new int[l.count];
        l.values = new double[l.count];
        for (int i = 0; i < l.count; i++) {
            l.cells[i] = StateIo.readVarInt(in);
            l.values[i] = in.readDouble();
        }
        l.feedbackEventIds = StateIo.readStrings(in);
        l.joinedFeedback = StateIo.readVarInt(in);
        return l;
    }

    @Override
    public RequestLabels deserialize(RequestLabels reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<RequestLabels> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the stateless serializer (restored by reflection: public, no-arg). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RequestLabels> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
