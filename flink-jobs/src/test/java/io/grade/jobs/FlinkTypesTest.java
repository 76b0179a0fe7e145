package io.grade.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.events.DeadLetterRecord;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.FeedbackEventSerializer;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.events.ImpressionEventSerializer;
import io.grade.jobs.events.InputRecord;
import io.grade.jobs.session.ClosedRequest;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.OrphanBuffer;
import io.grade.jobs.session.SessionState;
import io.grade.jobs.session.UnmatchedFeedback;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Every record and state type has a Flink serializer that needs no Kryo: a POJO serializer, or a
 * hand-written one for the two event types that cross the network most.
 */
class FlinkTypesTest {

    private static final List<Class<?>> TYPES = List.of(InputRecord.class, DeadLetterRecord.class, ClosedRequest.class, OrphanBuffer.class,
            SessionState.class, LabelledRequest.class, UnmatchedFeedback.class,
            io.grade.jobs.publish.PolicyTopicRecord.class, io.grade.jobs.learner.LearnerProgress.class);

    private static SerializerConfigImpl noKryo() {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        return config;
    }

    @Test
    void shouldSerializeEveryTypeWithoutKryo() {
        for (Class<?> type : TYPES) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertThat(info).as(type.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
            // Throws UnsupportedOperationException if any nested field would need Kryo.
            assertThat(info.createSerializer(noKryo())).as(type.getSimpleName()).isNotNull();
        }
    }

    @Test
    void shouldGiveTheEventsTheirHandWrittenSerializers() {
        assertThat(TypeInformation.of(ImpressionEvent.class).createSerializer(noKryo()))
                .isInstanceOf(ImpressionEventSerializer.class);
        assertThat(TypeInformation.of(FeedbackEvent.class).createSerializer(noKryo()))
                .isInstanceOf(FeedbackEventSerializer.class);
        // ... also as fields of the source's envelope
        PojoTypeInfo<InputRecord> envelope = (PojoTypeInfo<InputRecord>) TypeInformation.of(InputRecord.class);
        assertThat(envelope.getTypeAt("impression").createSerializer(noKryo())).isInstanceOf(ImpressionEventSerializer.class);
        assertThat(envelope.getTypeAt("feedback").createSerializer(noKryo())).isInstanceOf(FeedbackEventSerializer.class);
    }

    @Test
    void shouldRoundTripAnInputRecordWithANestedImpression() throws Exception {
        InputRecord in = InputRecord.of(Fixtures.impression("u1", "r1", 5, 3));
        TypeSerializer<InputRecord> s = TypeInformation.of(InputRecord.class).createSerializer(noKryo());
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(in, out);
        InputRecord back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back.feedback).isNull();
        assertThat(back.deadLetter).isNull();
        assertThat(back.impression.itemIds).containsExactly("i0", "i1", "i2");
        assertThat(back.impression.scores).containsExactly(in.impression.scores);
    }
}
