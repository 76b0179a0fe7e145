package io.grade.it;

import static org.awaitility.Awaitility.await;

import io.grade.jobs.GradeJob;
import java.time.Duration;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Starts the job as {@link GradeJob} builds it on the test's MiniCluster. */
final class MiniClusterJobs {

    private MiniClusterJobs() {}

    /** Submits {@code job} with parallelism 2 and waits until it runs. */
    static JobClient start(GradeJob.Job job) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        GradeJob.configure(env, job);
        GradeJob.build(env, job);
        JobClient client = env.executeAsync(job.join().jobName());
        await("job running").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.getJobStatus().get() == JobStatus.RUNNING);
        return client;
    }
}
