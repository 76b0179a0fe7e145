package io.grade.jobs;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterRecord;
import io.grade.jobs.events.EventRouter;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.events.InputRecord;
import io.grade.jobs.events.UnmatchedToDeadLetter;
import io.grade.jobs.kafka.KafkaConnectors;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.SessionJoinOperator;
import io.grade.jobs.session.UnmatchedFeedback;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The data plane: sources -> decode/validate/route -> session join -> labelled requests, with every
 * rejected input on a dead-letter stream. {@link #build} wires operators only; sources are injected
 * and sinks attached by the caller ({@link #attachKafkaSinks}), so tests and later stages (the GRPO
 * learner consumes {@link JoinOutputs#labelledRequests()}) reuse it unchanged.
 */
public final class JoinPipeline {

    // Stable operator uids: savepoints map state by these, never change them.
    public static final String UID_SOURCE = "inputs-source";
    public static final String UID_ROUTER = "inputs-router";
    public static final String UID_SESSION_JOIN = "session-join";
    public static final String UID_LATE_DEAD_LETTERS = "late-feedback-dead-letters";
    public static final String UID_ORPHAN_DEAD_LETTERS = "orphaned-feedback-dead-letters";
    public static final String UID_DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String UID_LABELLED_SINK = "labelled-requests-sink";

    private JoinPipeline() {}

    /** The pipeline on the configured Kafka topics. */
    public static JoinOutputs build(StreamExecutionEnvironment env, GradeConfig config) {
        return build(env, config, KafkaConnectors.source(config));
    }

    /**
     * The pipeline on an injected source of {@link InputRecord}s (impressions and feedback).
     * Watermarks are generated per source split with the configured out-of-orderness and idleness.
     */
    public static JoinOutputs build(StreamExecutionEnvironment env, GradeConfig config,
                                    Source<InputRecord, ?, ?> inputs) {
        SingleOutputStreamOperator<ImpressionEvent> impressions = env
                .fromSource(inputs, watermarkStrategy(config), "inputs", TypeInformation.of(InputRecord.class))
                .uid(UID_SOURCE)
                .process(new EventRouter(), TypeInformation.of(ImpressionEvent.class))
                .name("decode-and-validate").uid(UID_ROUTER);
        DataStream<FeedbackEvent> feedback = impressions.getSideOutput(EventRouter.FEEDBACK);

        SingleOutputStreamOperator<LabelledRequest> labelled = impressions
                .connect(feedback)
                .keyBy(new ImpressionUser(), new FeedbackUser())
                .transform("session-join", Types.POJO(LabelledRequest.class), new SessionJoinOperator(config))
                .name("session-join").uid(UID_SESSION_JOIN);

        DataStream<UnmatchedFeedback> late = labelled.getSideOutput(SessionJoinOperator.LATE);
        DataStream<UnmatchedFeedback> orphaned = labelled.getSideOutput(SessionJoinOperator.ORPHANS);
        DataStream<DeadLetterRecord> deadLetters = impressions.getSideOutput(EventRouter.DEAD_LETTERS)
                .union(late.map(new UnmatchedToDeadLetter(config.feedbackTopic()), Types.POJO(DeadLetterRecord.class))
                                .name("late-feedback-to-dead-letters").uid(UID_LATE_DEAD_LETTERS),
                        orphaned.map(new UnmatchedToDeadLetter(config.feedbackTopic()), Types.POJO(DeadLetterRecord.class))
                                .name("orphaned-feedback-to-dead-letters").uid(UID_ORPHAN_DEAD_LETTERS));
        return new JoinOutputs(labelled, deadLetters, late, orphaned);
    }

    /** Dead letters (always) and labelled requests (when a topic is configured) to Kafka. */
    public static void attachKafkaSinks(JoinOutputs outputs, GradeConfig config) {
        outputs.deadLetters().sinkTo(KafkaConnectors.deadLetterSink(config))
                .name("dead-letter-sink").uid(UID_DEAD_LETTER_SINK);
        if (!config.labelledRequestsTopic().isEmpty()) {
            outputs.labelledRequests().sinkTo(KafkaConnectors.labelledRequestSink(config))
                    .name("labelled-requests-sink").uid(UID_LABELLED_SINK);
        }
    }

    /** Bounded out-of-orderness per split, event time from the record, optional idleness. */
    public static WatermarkStrategy<InputRecord> watermarkStrategy(GradeConfig config) {
        WatermarkStrategy<InputRecord> w = WatermarkStrategy.<InputRecord>forBoundedOutOfOrderness(config.outOfOrderness())
                .withTimestampAssigner((record, kafkaTimestamp) -> record.eventTime());
        return config.idleness().isZero() ? w : w.withIdleness(config.idleness());
    }

    /** Key of an impression: its user. */
    public static final class ImpressionUser implements KeySelector<ImpressionEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(ImpressionEvent e) {
            return e.userId;
        }
    }

    /** Key of a feedback event: its user. */
    public static final class FeedbackUser implements KeySelector<FeedbackEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(FeedbackEvent f) {
            return f.userId;
        }
    }
}
