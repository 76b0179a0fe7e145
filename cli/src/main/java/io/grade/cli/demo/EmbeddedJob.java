package io.grade.cli.demo;

import io.grade.jobs.GradeJob;
import io.grade.testkit.flink.FlinkMiniClusters;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The GRADE job on a local Flink runtime (RocksDB, checkpointing on) reading an embedded broker:
 * what {@code grade demo} and {@code grade bench learning} run. Creates the job's input and
 * dead-letter topics, submits the job with the same entry points as a cluster submission and
 * waits until it runs; {@link #close()} cancels it.
 */
public final class EmbeddedJob implements AutoCloseable {

    private static final long RUNNING_TIMEOUT_SECONDS = 120;

    private final GradeJob.Job job;
    private final JobClient client;
    private boolean closed;

    private EmbeddedJob(GradeJob.Job job, JobClient client) {
        this.job = job;
        this.client = client;
    }

    /**
     * Prepares the job from its flags, creates its topics on {@code broker} and starts it.
     *
     * @param webPort port of the Flink dashboard, or null for no dashboard
     * @param checkpoints directory of the checkpoints
     */
    public static EmbeddedJob start(EmbeddedKafkaBroker broker, List<String> jobArgs, int parallelism,
                                    Integer webPort, Path checkpoints) throws Exception {
        return start(broker, jobArgs, parallelism, webPort, checkpoints, StartupSteps.NONE);
    }

    /** The same, printing each start-up step to {@code steps}. */
    public static EmbeddedJob start(EmbeddedKafkaBroker broker, List<String> jobArgs, int parallelism,
                                    Integer webPort, Path checkpoints, StartupSteps steps) throws Exception {
        GradeJob.Job job = GradeJob.prepare(jobArgs.toArray(String[]::new));
        broker.createTopic(job.join().impressionsTopic(), parallelism);
        broker.createTopic(job.join().feedbackTopic(), parallelism);
        broker.createTopic(job.join().deadLetterTopic(), 1);
        if (!job.join().labelledRequestsTopic().isBlank()) {
            broker.createTopic(job.join().labelledRequestsTopic(), 1);
        }
        Configuration conf = FlinkMiniClusters.rocksDbCheckpointing(checkpoints, null);
        conf.addAll(GradeJob.flinkConfiguration(job.join()));
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        StreamExecutionEnvironment env;
        if (webPort != null) {
            conf.set(RestOptions.PORT, webPort);
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        }
        env.setParallelism(parallelism);
        GradeJob.configure(env, job);
        GradeJob.build(env, job);
        steps.step("job flags checked, topics created; starting Flink ...");
        JobClient client = env.executeAsync(job.join().jobName());
        steps.step("Flink cluster started%s, job %s submitted",
                webPort != null ? " (dashboard http://localhost:" + webPort + ")" : "", client.getJobID());
        EmbeddedJob running = new EmbeddedJob(job, client);
        try {
            running.awaitRunning();
            steps.step("job running");
        } catch (Exception e) {
            running.close();
            throw e;
        }
        return running;
    }

    public GradeJob.Job job() {
        return job;
    }

    public JobClient client() {
        return client;
    }

    /** True once the job has ended (failed, cancelled or finished). */
    public boolean ended() throws Exception {
        return client.getJobStatus().get().isGloballyTerminalState();
    }

    private void awaitRunning() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUNNING_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            JobStatus s = client.getJobStatus().get();
            if (s == JobStatus.RUNNING) {
                return;
            }
            if (s.isGloballyTerminalState()) {
                throw new IllegalStateException("the job ended before it ran: " + s);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the job did not reach RUNNING in " + RUNNING_TIMEOUT_SECONDS + " s");
    }

    /** Cancels the job (if it still runs) and waits up to a minute for the cancellation; idempotent. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        if (!ended()) {
            client.cancel().get(60, TimeUnit.SECONDS);
        }
    }
}
