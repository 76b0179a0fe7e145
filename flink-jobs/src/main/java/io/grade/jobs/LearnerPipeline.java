package io.grade.jobs;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.LearnerConfig;
import io.grade.jobs.holdout.OnlineHoldoutFunction;
import io.grade.jobs.kafka.KafkaConnectors;
import io.grade.jobs.learner.LearnerFunction;
import io.grade.jobs.learner.LearnerOperator;
import io.grade.jobs.learner.LearnerSettings;
import io.grade.jobs.publish.PolicyRecordSerializer;
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
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner stage after the join: labelled requests -> GRPO learner (one key, parallelism 1) ->
 * policy versions -> exactly-once KafkaSink on the compacted policy topic.
 */
public final class LearnerPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(LearnerPipeline.class);

    public static final String UID_LEARNER = "grpo-learner";
    public static final String UID_POLICY_SINK = "policy-sink";
    public static final String UID_ONLINE_HOLDOUT = "online-holdout";

    /** Bound of each client-side step before the job starts (reaching Kafka, the topic, the warm start). */
    static final Duration PREPARE_TIMEOUT = Duration.ofSeconds(60);

    private LearnerPipeline() {}

    /** Appends the learner to the labelled-request stream; returns the policy versions it publishes. */
    public static SingleOutputStreamOperator<PublishedPolicy> appendLearner(DataStream<LabelledRequest> labelled,
                                                                           LearnerSettings settings) {
        return labelled
                .keyBy(new ModelKey(settings.modelId()))
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

    /** Every labelled request goes to the model's one learner key. */
    static final class ModelKey implements KeySelector<LabelledRequest, String> {
        private static final long serialVersionUID = 1L;
        private final String modelId;

        ModelKey(String modelId) {
            this.modelId = modelId;
        }

        @Override
        public String getKey(LabelledRequest r) {
            return modelId;
        }
    }
}
