package io.grade.cli.bench;

import io.grade.cli.demo.EmbeddedJob;
import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.jobs.GradeJob;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicySnapshots;
import io.grade.schemas.PolicySnapshot;
import io.grade.serving.PolicyClient;
import io.grade.serving.ServingPolicy;
import io.grade.simulator.SimWorld;
import io.grade.simulator.WorldSpec;
import io.grade.simulator.Worlds;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code grade bench learning}: how fast the streaming job learns, through Kafka. Per world and
 * seed: an embedded broker, the GRADE job on a local Flink runtime (the demo's), and the
 * closed-loop generator on that world serving with the newest policy from the policy topic. A
 * second serving client follows the policy topic ({@code read_committed}, validating every
 * snapshot, as serving does) and every version it accepts is scored on the seed's held-out
 * requests ({@link HeldOutScore}); every {@code every} requests the newest version's score is a
 * point of the curve ({@link LearningCurve}).
 *
 * <p>The held-out set, its oracle and the item-agnostic ceiling are computed before the job
 * starts, so they take no CPU from it. A checkpoint reads the version serving has at the moment
 * the generator has issued that many requests: the job has learned from fewer (the attribution
 * window, the update and publish cadence lag behind), and {@code requests_learned} says how many.
 */
public final class LearningBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(LearningBenchmark.class);
    // how often the driver looks at the generator's count and the arrived versions
    private static final long POLL_MILLIS = 50;

    private LearningBenchmark() {}

    /** The job flags of one run. */
    @FunctionalInterface
    public interface JobArgs {
        List<String> forRun(String bootstrapServers, long seed, WorldSpec world);
    }

    /**
     * What to run.
     *
     * @param worlds world names, each run on every seed
     * @param seeds seeds of the world, the traffic and the learner
     * @param requests requests the generator issues per run
     * @param every requests between checkpoints
     * @param rate requests per wall second
     * @param speedup event-time seconds per wall second
     * @param heldOut held-out requests every version is scored on
     * @param ceilingFit requests the item-agnostic ceiling and the best static vector are fitted on
     * @param parallelism job parallelism and task slots
     * @param jobArgs the job's flags per run
     */
    public record Settings(List<String> worlds, List<Long> seeds, long requests, long every, double rate,
                           double speedup, int heldOut, int ceilingFit, int parallelism, JobArgs jobArgs) {
        public Settings {
            worlds = List.copyOf(worlds);
            seeds = List.copyOf(seeds);
            Objects.requireNonNull(jobArgs, "jobArgs");
        }
    }

    private record Arrival(PolicySnapshot snapshot, long requestsIssued) {}

    /** The finished runs, and what went wrong in the others (world, seed and cause). */
    public record Outcome(List<LearningCurve.Run> runs, List<String> failures) {
        public Outcome {
            runs = List.copyOf(runs);
            failures = List.copyOf(failures);
        }
    }

    /**
     * Every world on every seed, one after the other; progress and checkpoint lines go to {@code
     * out}. A run that fails (the job or the generator stopped) is reported and the next one runs,
     * so the finished runs are not lost.
     */
    public static Outcome run(Settings s, PrintStream out) {
        List<LearningCurve.Run> runs = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (String world : s.worlds()) {
            for (long seed : s.seeds()) {
                try {
                    runs.add(runOne(world, seed, s, out));
                } catch (Exception e) {
                    String failure = world + " seed " + seed + ": " + e;
                    out.println("[" + world + " seed " + seed + "] FAILED: " + e);
                    LOG.error("bench learning: {} seed {} failed", world, seed, e);
                    failures.add(failure);
                }
            }
        }
        return new Outcome(runs, failures);
    }

    static LearningCurve.Run runOne(String worldName, long seed, Settings s, PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        WorldSpec spec = Worlds.spec(worldName);
        SimWorld world = spec.create(seed);
        out.printf(Locale.ROOT, "[%s seed %d] held-out set: %,d requests, their oracle, and the item-agnostic "
                + "ceiling fitted on %,d ...%n", worldName, seed, s.heldOut(), s.ceilingFit());
        HeldOutScore judge = HeldOutScore.build(world, s.heldOut(), s.ceilingFit(), seed);
        out.printf(Locale.ROOT, "[%s seed %d] best static %.4f  ceiling %.4f  oracle %.4f  ceiling_gap_closed %.3f "
                        + "(%.0f s)%n", worldName, seed, judge.ceiling().bestStatic(), judge.ceiling().ceiling(),
                judge.ceiling().oracle(), judge.ceiling().gapClosed(), (System.nanoTime() - t0) / 1e9);
        long tJob = System.nanoTime();
        Path work = Files.createTempDirectory("grade-bench-learning-");
        LearningCurve.Run run;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bs = broker.bootstrapServers();
            try (EmbeddedJob running = EmbeddedJob.start(broker, s.jobArgs().forRun(bs, seed, spec), s.parallelism(),
                    null, work.resolve("checkpoints"))) {
                GradeJob.Job job = running.job();
                GeneratorConfig gen = GeneratorConfig.builder(bs)
                        .impressionsTopic(job.join().impressionsTopic())
                        .feedbackTopic(job.join().feedbackTopic())
                        .policyTopic(job.learner().policyTopic())
                        .modelId(job.learner().modelId())
                        .world(spec).worldSeed(seed).seed(seed)
                        .rate(s.rate()).speedup(s.speedup())
                        .maxRequests(s.requests())
                        // the benchmark scores on its own held-out set; the generator's oracle would take CPU
                        .oracleEvery(0)
                        .startEventTime(Instant.now())
                        .build();
                ServingPolicy fallback = ServingPolicy.staticWeights(job.learner().modelId(), world.taskNames(),
                        world.featureDim(), world.fusionKind(), world.fusionBetas(), gen.staticWeights());
                LearningCurve.Recorder recorder = new LearningCurve.Recorder(worldName, seed, judge, s.every(),
                        s.requests(), fallback::weights);
                AtomicLong issued = new AtomicLong();
                Queue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
                try (PolicyClient follower = PolicyClient.builder(bs, job.learner().policyTopic(), fallback)
                        .onAccepted(snapshot -> arrivals.add(new Arrival(snapshot, issued.get()))).build();
                     EventGenerator generator = new EventGenerator(gen)) {
                    follower.start();
                    generator.start();
                    out.printf(Locale.ROOT, "[%s seed %d] job running, generator at %.0f requests/s, speedup %.0f%n",
                            worldName, seed, s.rate(), s.speedup());
                    drive(recorder, judge, arrivals, issued, generator, running, out);
                    generator.stop();
                    run = recorder.finish((System.nanoTime() - tJob) / 1e9);
                }
            }
        } finally {
            deleteQuietly(work);
        }
        return run;
    }

    /** Removes the run's checkpoint directory (best effort: a file that will not go is left). */
    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    private static void drive(LearningCurve.Recorder recorder, HeldOutScore judge, Queue<Arrival> arrivals,
                              AtomicLong issued, EventGenerator generator, EmbeddedJob running, PrintStream out)
            throws Exception {
        while (true) {
            for (Arrival a = arrivals.poll(); a != null; a = arrivals.poll()) {
                PolicyForward forward = PolicySnapshots.forward(a.snapshot());
                recorder.version(a.snapshot().getVersion(), a.requestsIssued(),
                        a.snapshot().getStats().getRequestsLearned(), forward::weights);
            }
            long n = generator.stats().requests();
            issued.set(n);
            for (LearningCurve.Checkpoint c : recorder.advance(n)) {
                out.println(LearningCurve.line(recorder.world(), recorder.seed(), c, judge.ceiling()));
            }
            if (recorder.done()) {
                return;
            }
            if (generator.isDone()) {
                throw new IllegalStateException("the generator stopped after " + n + " requests, before "
                        + recorder.nextCheckpoint(), generator.failure());
            }
            if (running.ended()) {
                throw new IllegalStateException("the job ended after " + n + " requests: "
                        + running.client().getJobStatus().get());
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
