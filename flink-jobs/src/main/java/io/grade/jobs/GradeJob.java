package io.grade.jobs;

import io.grade.jobs.config.CommandLine;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.LearnerConfig;
import io.grade.jobs.publish.PublishedPolicy;
import io.grade.serving.KafkaClientProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the GRADE streaming job, the same on a cluster ({@code flink run}) and in the
 * demo: flags -> validated config -> client-side preparation (policy topic, warm start) ->
 * environment -> {@link JoinPipeline} + {@link LearnerPipeline} -> execute.
 */
public final class GradeJob {

    private static final Logger LOG = LoggerFactory.getLogger(GradeJob.class);

    private GradeJob() {}

    /** A prepared job: validated configuration plus the snapshot a fresh start continues from (or null). */
    public record Job(GradeConfig join, LearnerConfig learner, byte[] warmStartSnapshot) {

        /** Effective value of every option, join and learner, for logs and the dashboard. */
        public Map<String, String> effectiveOptions() {
            Map<String, String> all = new LinkedHashMap<>(join.effectiveOptions());
            all.putAll(learner.effectiveOptions());
            return all;
        }
    }

    public static void main(String[] args) throws Exception {
        Job job = prepare(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(job.join()));
        configure(env, job);
        build(env, job);
        JobExecutionResult result = env.execute(job.join().jobName());
        // detached submissions (flink run -d, the REST API) return before the job ends
        if (result.isJobExecutionResult()) {
            LOG.info("job {} finished after {} ms", job.join().jobName(), result.getNetRuntime());
        }
    }

    /**
     * Parses and validates the flags (the exception names the bad option or refused Kafka property) and, when the learner is
     * on, makes sure the policy topic exists and is compacted and reads the warm-start snapshot.
     * Runs on the client, so the client must reach Kafka.
     */
    public static Job prepare(String[] args) {
        Configuration conf = CommandLine.toConfiguration(CommandLine.toMap(args));
        GradeConfig join = GradeConfig.from(conf);
        LearnerConfig learner = LearnerConfig.from(conf, join);
        if (!join.kafkaProperties().isEmpty()) {
            LOG.info("extra Kafka client properties of every client of the job: {}",
                    KafkaClientProperties.masked(join.kafkaProperties()));
        }
        byte[] warm = learner.enabled() ? LearnerPipeline.prepare(join, learner) : null;
        return new Job(join, learner, warm);
    }

    /**
     * What becomes of the job's last checkpoint when the job is cancelled: kept. Cancelling is the
     * way out of a crash loop, and a retained checkpoint lets the fixed job start again with its
     * join and learner state ({@code flink run -s <checkpoint>}, {@code ./grade cluster submit
     * --from-checkpoint latest}; README, "Crash loop"). Retained checkpoints are the operator's to
     * delete.
     */
    public static final ExternalizedCheckpointRetention CHECKPOINT_RETENTION =
            ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION;

    /**
     * Checkpointing (EXACTLY_ONCE at the configured interval, retained on cancellation) and the
     * effective configuration, logged once and shown on the dashboard.
     */
    public static void configure(StreamExecutionEnvironment env, Job job) {
        env.enableCheckpointing(job.join().checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setExternalizedCheckpointRetention(CHECKPOINT_RETENTION);
        env.getConfig().setGlobalJobParameters(ParameterTool.fromMap(job.effectiveOptions()));
        LOG.info("GRADE job configuration: {}", job.effectiveOptions());
    }

    /** The whole pipeline with its Kafka sinks; returns the policy stream (null when the learner is off). */
    public static DataStream<PublishedPolicy> build(StreamExecutionEnvironment env, Job job) {
        JoinOutputs outputs = JoinPipeline.build(env, job.join());
        JoinPipeline.attachKafkaSinks(outputs, job.join());
        LearnerPipeline.appendOnlineHoldout(outputs.labelledRequests(), job.learner().modelId(), job.join().taskNames());
        if (!job.learner().enabled()) {
            return null;
        }
        DataStream<PublishedPolicy> policies = LearnerPipeline.appendLearner(outputs.labelledRequests(),
                LearnerPipeline.policyTopic(env, job.join(), job.learner()),
                job.learner().settings(job.join(), job.warmStartSnapshot()));
        LearnerPipeline.attachPolicySink(policies, job.join(), job.learner());
        return policies;
    }

    /** Sets up the environment as the job needs it (used by tests that build the pipeline themselves). */
    public static StreamExecutionEnvironment environment(GradeConfig config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config));
        env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setExternalizedCheckpointRetention(CHECKPOINT_RETENTION);
        env.getConfig().setGlobalJobParameters(ParameterTool.fromMap(config.effectiveOptions()));
        return env;
    }

    /**
     * Flink settings the job sets itself: RocksDB keyed state with incremental checkpoints (open
     * requests outgrow the heap), EXACTLY_ONCE checkpoints retained on cancellation, no Kryo
     * fallback, object reuse between chained operators.
     */
    public static Configuration flinkConfiguration(GradeConfig config) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, config.checkpointInterval());
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, CHECKPOINT_RETENTION);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // Chained operators hand records on without a defensive copy: no operator of the job keeps or
        // mutates a record after emitting it (docs/design-join.md).
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        // Most lookups of the join miss (a new request id, feedback before its impression): a
        // bloom filter per SST file answers those without reading data blocks (docs/design-join.md).
        conf.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        return conf;
    }
}
