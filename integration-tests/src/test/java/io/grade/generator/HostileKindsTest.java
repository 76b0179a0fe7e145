package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.events.EventDeserializationSchema;
import io.grade.jobs.events.InputRecord;
import io.grade.jobs.kafka.DeadLetterSerializationSchema;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.ServingPolicy;
import io.grade.simulator.World;
import io.grade.simulator.WorldConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Every hostile kind the generator injects gets, from the job's real decoder and validator, the
 * dead-letter reason the kind names, and its dead letter fits the dead-letter producer's limit; the
 * kinds the session join decides (unknown item or request, duplicates) pass the source as valid
 * events. The fast half of {@code HostileInputITCase}, which checks the same end to end.
 */
class HostileKindsTest {

    /** The options of HostileInputITCase that matter here: the event-time guard for a simulation. */
    static final Map<String, String> GUARD = Map.of("event-time-reference", "MAX_ACCEPTED",
            "max-event-time-behind", "6 h");

    @Test
    void shouldGiveEveryKindItsReasonAtTheSourceOrPassItToTheJoin() {
        GradeConfig config = GradeConfig.fromMap(GUARD);
        EventDeserializationSchema source = new EventDeserializationSchema(config);
        DeadLetterSerializationSchema sink = new DeadLetterSerializationSchema(config);
        WorldConfig wc = WorldConfig.builder().users(300).items(400).build();
        World world = World.create(wc, 7);
        long now = System.currentTimeMillis();
        GeneratorConfig gen = GeneratorConfig.builder("unused:9092").world(wc).worldSeed(7).seed(3)
                .rate(1000).speedup(600).startEventTime(Instant.ofEpochMilli(now)).oracleEvery(0).build();
        ServingPolicy fallback = ServingPolicy.staticWeights(gen.modelId(), world.taskNames(), world.featureDim(),
                wc.fusionKind(), wc.fusionBetas(), gen.staticWeights());
        List<byte[]> impressions = new ArrayList<>();
        List<byte[]> feedback = new ArrayList<>();
        ClosedLoop loop = new ClosedLoop(world, gen, now, () -> fallback, fallback,
                (topic, key, value, kind) -> (topic == ClosedLoop.Topic.IMPRESSIONS ? impressions : feedback).add(value),
                new StatsRecorder());
        for (int i = 0; i < 20; i++) {
            loop.issueRequest(0);
        }
        loop.drainFeedback();
        EventCodec<Impression> impCodec = EventCodec.impressions();
        EventCodec<Feedback> fbCodec = EventCodec.feedback();
        Impression imp = impCodec.decode(impressions.get(0)).value();
        Feedback fb = fbCodec.decode(feedback.get(0)).value();
        assertThat(source.toInput(record(config, ClosedLoop.Topic.IMPRESSIONS, imp.getUserId().getBytes(),
                impressions.get(0)), now).deadLetter).as("the valid impression").isNull();
        assertThat(source.toInput(record(config, ClosedLoop.Topic.FEEDBACK, fb.getUserId().getBytes(),
                feedback.get(0)), now).deadLetter).as("the valid feedback").isNull();

        MalformedRecords bad = new MalformedRecords(World.rng(1), impCodec, fbCodec);
        int checked = 0;
        for (MalformedKind kind : MalformedKind.values()) {
            List<MalformedRecords.Bad> records = new ArrayList<>();
            if (kind.forImpressions()) {
                records.add(bad.impression(kind, imp, impressions.get(0)));
            }
            if (kind.forFeedback()) {
                records.add(bad.feedback(kind, fb, feedback.get(0)));
            }
            for (MalformedRecords.Bad b : records) {
                InputRecord in = source.toInput(record(config, b.topic(), b.key(), b.value()), now);
                boolean joinDecides = kind.deduplicated() || kind == MalformedKind.UNKNOWN_ITEM
                        || kind == MalformedKind.UNKNOWN_REQUEST;
                if (joinDecides) {
                    assertThat(in.deadLetter).as("%s passes the source", kind).isNull();
                } else {
                    assertThat(in.deadLetter).as("%s on %s", kind, b.topic()).isNotNull();
                    assertThat(in.deadLetter.reason).as("%s on %s: %s", kind, b.topic(), in.deadLetter.message)
                            .isEqualTo(DeadLetterReason.valueOf(kind.deadLetterReason()));
                    DeadLetterSerializationSchema.Bounded out = sink.bound(in.deadLetter);
                    int size = (out.kafkaKey() == null ? 0 : out.kafkaKey().length) + out.value().length;
                    assertThat(size).as("dead letter of %s", kind).isLessThanOrEqualTo(config.maxDeadLetterBytes());
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(MalformedKind.values().length);
    }

    private static ConsumerRecord<byte[], byte[]> record(GradeConfig config, ClosedLoop.Topic topic, byte[] key,
                                                         byte[] value) {
        String name = topic == ClosedLoop.Topic.IMPRESSIONS ? config.impressionsTopic() : config.feedbackTopic();
        return new ConsumerRecord<>(name, 0, 7L, key, value);
    }
}
