package io.grade.core.bench;

import io.grade.core.data.TrainingRequest;
import io.grade.core.grpo.GrpoConfig;
import io.grade.core.grpo.GrpoLearner;
import io.grade.core.grpo.UpdateResult;
import io.grade.core.policy.Nd4jRuntime;
import io.grade.core.policy.PolicyNetwork;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RewardConfig;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Single-threaded throughput of full GRPO updates at the spec's sizes (B = 256, G = 20, 50 items,
 * 4 tasks, 32 features, default policy architecture): sampling, rewards, advantages, two inner
 * epochs of forward/backward and Adam.
 *
 * <p>{@code allocated_bytes_per_request} is the JVM heap allocated by the measuring thread
 * (com.sun.management.ThreadMXBean); ND4J's off-heap buffers are not counted.
 */
public final class LearnerBenchmark {

    /** Requests per update. */
    public static final int BATCH = 256;
    /** Candidate items per request. */
    public static final int ITEMS = 50;
    /** Tasks. */
    public static final int TASKS = 4;
    /** Feature dimension. */
    public static final int FEATURES = 32;
    /** Distinct batches cycled through, so the run does not see one batch only. */
    private static final int POOL_BATCHES = 4;
    /** The synthetic world's best weights. */
    private static final double[] BEST_WEIGHTS = {0.4, 0.3, 0.2, 0.1};

    private LearnerBenchmark() {}

    /**
     * Runs {@code warmupSteps} unmeasured and {@code measuredSteps} measured updates.
     *
     * @return learner_requests_per_s, step_ms_p50, step_ms_p95, step_ms_min, allocated_bytes_per_request and the
     *     sizes used, in a stable order
     */
    public static Map<String, Object> run(int warmupSteps, int measuredSteps, long seed) {
        if (warmupSteps < 0 || measuredSteps < 1) {
            throw new IllegalArgumentException("warmupSteps must be >= 0 and measuredSteps >= 1, got "
                    + warmupSteps + ", " + measuredSteps);
        }
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(seed);
        List<TrainingRequest> pool = SyntheticRequests.generate(POOL_BATCHES * BATCH, ITEMS, FEATURES, BEST_WEIGHTS,
                3, rng);
        PolicyArchitecture arch = PolicyArchitecture.defaults(FEATURES, TASKS);
        GrpoConfig config = GrpoConfig.defaults().withBatchSize(BATCH).withSeed(seed);
        GrpoLearner learner = new GrpoLearner(config, new CompositeReward(RewardConfig.defaults(TASKS)),
                new PolicyNetwork(arch, seed));

        for (int i = 0; i < warmupSteps; i++) {
            learner.update(batch(pool, i));
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long[] stepNanos = new long[measuredSteps];
        long allocatedBefore = threads.getThreadAllocatedBytes(thread);
        long start = System.nanoTime();
        UpdateResult last = null;
        long offHeapPeak = 0;
        for (int i = 0; i < measuredSteps; i++) {
            List<TrainingRequest> b = batch(pool, warmupSteps + i);
            long t0 = System.nanoTime();
            last = learner.update(b);
            stepNanos[i] = System.nanoTime() - t0;
            offHeapPeak = Math.max(offHeapPeak, Nd4jRuntime.offHeapBytes());
        }
        long elapsed = System.nanoTime() - start;
        long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;

        Arrays.sort(stepNanos);
        long requests = (long) measuredSteps * BATCH;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("learner_requests_per_s", requests / (elapsed / 1e9));
        out.put("step_ms_p50", percentile(stepNanos, 0.50) / 1e6);
        out.put("step_ms_p95", percentile(stepNanos, 0.95) / 1e6);
        // the fastest step: the least disturbed by other processes on a shared machine
        out.put("step_ms_min", stepNanos[0] / 1e6);
        out.put("allocated_bytes_per_request", (double) allocated / requests);
        out.put("allocated_bytes_note", "JVM heap of the learner thread only; ND4J off-heap buffers are not counted");
        // what a TaskManager's off-heap budget must hold for one learner (the learner gauge offHeapPeakBytes)
        out.put("offheap_peak_bytes", offHeapPeak);
        out.put("process_rss_bytes", Nd4jRuntime.physicalBytes());
        out.put("batch_size", BATCH);
        out.put("group_size", config.groupSize());
        out.put("inner_epochs", config.innerEpochs());
        out.put("items", ITEMS);
        out.put("tasks", TASKS);
        out.put("features", FEATURES);
        out.put("warmup_steps", warmupSteps);
        out.put("measured_steps", measuredSteps);
        out.put("skipped_updates", learner.skippedUpdates());
        out.put("last_mean_reward", last.meanReward());
        out.put("seed", seed);
        return out;
    }

    /** Prints the results as key=value lines; args: [warmupSteps [measuredSteps [seed]]]. */
    public static void main(String[] args) {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int measured = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        run(warmup, measured, seed).forEach((k, v) -> System.out.println(k + "=" + v));
    }

    private static List<TrainingRequest> batch(List<TrainingRequest> pool, int step) {
        int from = (step % POOL_BATCHES) * BATCH;
        return pool.subList(from, from + BATCH);
    }

    private static double percentile(long[] sorted, double q) {
        int idx = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
        return sorted[idx];
    }
}
