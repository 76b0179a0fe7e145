package io.grade.jobs;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.LearnerConfig;
import io.grade.jobs.holdout.OnlineHoldoutFunction;
import io.grade.jobs.kafka.KafkaConnectors;
import io.grade.jobs.learner.LearnerFunction;
import io.grade.jobs.learner.LearnerOperator;
import io.grade.jobs.learner.LearnerSettings;
import io.grade.jobs.publish.PolicyRecordSerializer;
import io.grade.jobs.publish.PolicyTopicDeserializer;
import io.grade.jobs.publish.PolicyTopicRecord;
import io.grade.jobs.publish.PolicyTopic;
import io.grade.jobs.publish.PublishedPolicy;
import io.grade.jobs.publish.WarmStart;
import io.grade.jobs.session.LabelledRequest;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.ServingPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner stage after the join: labelled requests (and the model's records of the policy topic:
 * control records, other writers' versions) -> GRPO learner (one key, parallelism 1) -> policy
 * versions -> exactly-once KafkaSink on the compacted policy topic.
 */
public final class LearnerPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(LearnerPipeline.class);

    public static final String UID_LEARNER = "grpo-learner";
    public static final String UID_POLICY_SINK = "policy-sink";
    public static final String UID_ONLINE_HOLDOUT = "online-holdout";
    public static final String UID_POLICY_SOURCE = "policy-topic-source";

    /** Bound of each client-side step before the job starts (reaching Kafka, the topic, the warm start). */
    static final Duration PREPARE_TIMEOUT = Duration.ofSeconds(60);

    private LearnerPipeline() {}

    /**
     * Appends the learner to the labelled-request stream, with the model's records of the policy
     * topic as its second input (control records, versions of other writers); returns the policy
     * versions it publishes.
     */
    public static SingleOutputStreamOperator<PublishedPolicy> appendLearner(DataStream<LabelledRequest> labelled,
                                                                           DataStream<PolicyTopicRecord> policyTopic,
                                                                           LearnerSettings settings) {
        return labelled
                .keyBy(new ModelKey<LabelledRequest>(settings.modelId()))
                .connect(policyTopic.keyBy(new ModelKey<PolicyTopicRecord>(settings.modelId())))
                .transform("GRPO learner", TypeInformation.of(PublishedPolicy.class),
                        new LearnerOperator(new LearnerFunction(settings), settings.modelId()))
                .uid(UID_LEARNER)
                .name("GRPO learner")
                .setParallelism(1)
                .setMaxParallelism(1);
    }

    /**
     * Appends the online holdout's analysis (lift of the policy over static weights from the users'
     * feedback, per arm of serving's A/B split) to the labelled-request stream: one key per model,
     * parallelism 1, like the learner.
     */
    public static void appendOnlineHoldout(DataStream<LabelledRequest> labelled, String modelId, String[] taskNames) {
        labelled.keyBy(new ModelKey(modelId))
                .process(new OnlineHoldoutFunction(taskNames), Types.VOID)
                .uid(UID_ONLINE_HOLDOUT)
                .name("online holdout (A/B)")
                .setParallelism(1)
                .setMaxParallelism(1);
    }

    /**
     * The model's records of the policy topic, read_committed from the beginning (the compacted
     * topic then holds the newest version and the newest control state at least), parallelism 1;
     * with --bounded it stops at the offsets the topic has at start.
     */
    public static DataStream<PolicyTopicRecord> policyTopic(StreamExecutionEnvironment env, GradeConfig join,
                                                            LearnerConfig learner) {
        KafkaSourceBuilder<PolicyTopicRecord> b = KafkaSource.<PolicyTopicRecord>builder()
                .setProperties(KafkaConnectors.clientProperties(join))
                .setBootstrapServers(join.bootstrapServers())
                .setTopics(learner.policyTopic())
                .setGroupId(join.groupId() + "-policy")
                .setClientIdPrefix(join.groupId() + "-policy")
                .setDeserializer(new PolicyTopicDeserializer(learner.modelId()))
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .setStartingOffsets(OffsetsInitializer.earliest());
        if (join.bounded()) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(b.build(), WatermarkStrategy.noWatermarks(), "policy topic " + learner.policyTopic())
                .uid(UID_POLICY_SOURCE)
                .setParallelism(1);
    }

    /** Writes policy versions to the policy topic with the join's delivery guarantee (EXACTLY_ONCE by default). */
    public static void attachPolicySink(DataStream<PublishedPolicy> policies, GradeConfig join, LearnerConfig learner) {
        KafkaSink<PublishedPolicy> sink = KafkaSink.<PublishedPolicy>builder()
                .setBootstrapServers(join.bootstrapServers())
                .setKafkaProducerConfig(KafkaConnectors.clientProperties(join))
                .setRecordSerializer(new PolicyRecordSerializer(learner.policyTopic()))
                .setDeliveryGuarantee(join.deliveryGuarantee())
                .setTransactionalIdPrefix(join.transactionalIdPrefix() + "-policy")
                .setProperty("transaction.timeout.ms", String.valueOf(join.transactionTimeout().toMillis()))
                .setProperty("max.request.size", String.valueOf(learner.policyMaxMessageBytes()))
                .build();
        policies.sinkTo(sink).uid(UID_POLICY_SINK).name("policy topic " + learner.policyTopic()).setParallelism(1);
    }

    /**
     * Client-side preparation before the job graph is built: makes sure the policy topic exists and
     * is compacted, and picks the snapshot a fresh start continues from (newest on the topic, else
     * the Stage 1 file, else none = cold start). A restore from a checkpoint ignores it.
     */
    public static byte[] prepare(GradeConfig join, LearnerConfig learner) {
        PolicyTopic.ensure(join.bootstrapServers(), join.kafkaProperties(), learner.policyTopic(),
                learner.policyMaxMessageBytes(), (short) -1, PREPARE_TIMEOUT);
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        ServingPolicy expected = ServingPolicy.staticWeights(learner.modelId(), Arrays.asList(join.taskNames()),
                join.featureDim(), join.fusion(), join.betas(), uniform(join.tasks()));
        if (learner.warmStart()) {
            Optional<PolicySnapshot> newest = WarmStart.newest(join.bootstrapServers(), join.kafkaProperties(),
                    learner.policyTopic(), expected, learner.maxVersionJump(), learner.verifyKey(), PREPARE_TIMEOUT);
            if (newest.isPresent()) {
                return codec.encode(newest.get());
            }
        }
        if (learner.stage1Snapshot() != null) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(Path.of(learner.stage1Snapshot()));
            } catch (IOException e) {
                throw new UncheckedIOException("option '--stage1-snapshot': cannot read " + learner.stage1Snapshot(), e);
            }
            DecodeResult<PolicySnapshot> d = codec.decode(bytes);
            if (!d.isOk()) {
                throw new IllegalArgumentException("option '--stage1-snapshot': " + learner.stage1Snapshot()
                        + " is not a PolicySnapshot: " + d.failure());
            }
            var problems = io.grade.model.policy.SnapshotValidator.validate(d.value(),
                    io.grade.serving.PolicyHolder.expectationsOf(expected), 0);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("option '--stage1-snapshot': " + problems);
            }
            LOG.info("fresh start from the Stage 1 snapshot {} (v{})", learner.stage1Snapshot(), d.value().getVersion());
            return bytes;
        }
        return null;
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }

    /** Every record (labelled request, policy-topic record) goes to the model's one learner key. */
    static final class ModelKey<T> implements KeySelector<T, String> {
        private static final long serialVersionUID = 1L;
        private final String modelId;

        ModelKey(String modelId) {
            this.modelId = modelId;
        }

        @Override
        public String getKey(T r) {
            return modelId;
        }
    }
}
