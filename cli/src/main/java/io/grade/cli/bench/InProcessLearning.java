package io.grade.cli.bench;

import io.grade.core.data.TrainingRequest;
import io.grade.core.grpo.GrpoConfig;
import io.grade.core.learner.OnlineLearner;
import io.grade.core.learner.OnlineLearnerConfig;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyForward;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.FormatConstraints;
import io.grade.model.reward.RewardConfig;
import io.grade.simulator.SimOutcome;
import io.grade.simulator.SimRequest;
import io.grade.simulator.SimWorld;
import io.grade.simulator.World;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Locale;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The learning-speed protocol without Kafka or Flink, in one thread: the world's requests are
 * served with the newest published policy, answered by the world, and after {@code labelLag}
 * further requests (the job's attribution window and join) the labelled request reaches the same
 * {@link OnlineLearner} the job runs; a version is published every {@code publishEvery} requests
 * when the learner has something new. The same {@link HeldOutScore} judges it every {@code every}
 * requests. Fast enough (about a second per 10,000 requests) to measure defaults on many seeds;
 * the Kafka benchmark then confirms the chosen ones on the real path.
 */
public final class InProcessLearning {

    private static final long TRAFFIC_STREAM = 0x1EA2_0101L;
    private static final long RESPONSE_STREAM = 0x1EA2_0102L;

    private static final boolean SHOWN_ONLY = Boolean.getBoolean("grade.shownOnly");
    private static final boolean GATE_LOG = Boolean.getBoolean("grade.gateLog");

    private InProcessLearning() {}

    /**
     * @param requests requests served per run
     * @param every requests between checkpoints
     * @param labelLag requests served between a request and its label reaching the learner
     * @param publishEvery requests between publish attempts
     * @param lambdaPrior lambda_prior of the composite reward
     * @param learner the learner's options
     */
    public record Settings(long requests, long every, int labelLag, int publishEvery, double lambdaPrior,
                           double ipsPower, OnlineLearnerConfig learner,
                           io.grade.core.learner.GateSettings gate) {}



    /**
     * A run's curve with the first and the newest published policies (null when none was published).
     */
    public record Outcome(LearningCurve.Run run, PolicyForward first, PolicyForward newest) {}

    /** One run on one world and seed. */
    public static LearningCurve.Run run(SimWorld world, long seed, HeldOutScore judge, Settings s, double[] fallback,
                                        PrintStream out) {
        return execute(world, seed, judge, s, fallback, out).run();
    }

    /** One run on one world and seed, keeping the published policies. */
    public static Outcome execute(SimWorld world, long seed, HeldOutScore judge, Settings s, double[] fallback,
                                  PrintStream out) {
        long t0 = System.nanoTime();
        PolicyArchitecture arch = PolicyArchitecture.defaults(world.featureDim(), world.tasks());
        RewardConfig rc = new RewardConfig(world.ndcgK(), world.taskImportance(), RewardConfig.DEFAULT_LAMBDA_POST,
                s.lambdaPrior(), RewardConfig.DEFAULT_LAMBDA_FORMAT, RewardConfig.DEFAULT_TAU, FormatConstraints.none());
        CompositeReward reward = new CompositeReward(rc);
        OnlineLearner learner = OnlineLearner.coldStart(s.learner().withSeed(seed), reward, arch, seed);
        double[] fb = fallback.clone();
        LearningCurve.Recorder recorder = new LearningCurve.Recorder(world.name(), seed, judge, s.every(),
                s.requests(), (x, w) -> System.arraycopy(fb, 0, w, 0, fb.length));
        UniformRandomProvider traffic = World.rng(seed ^ TRAFFIC_STREAM);
        UniformRandomProvider response = World.rng(seed ^ RESPONSE_STREAM);
        ArrayDeque<SimOutcome> pending = new ArrayDeque<>();
        io.grade.core.learner.HoldoutWindow holdout = s.gate() == null ? null
                : new io.grade.core.learner.HoldoutWindow(s.gate().window());
        io.grade.core.learner.QualityGate gate = s.gate() == null ? null
                : new io.grade.core.learner.QualityGate(s.gate().config());
        io.grade.core.learner.RejectionTracker rejections = s.gate() == null ? null
                : new io.grade.core.learner.RejectionTracker(s.gate().config());
        io.grade.core.grpo.GrpoLearnerState publishedState = null;
        PolicyForward serving = null;
        PolicyForward first = null;
        long version = 0;
        long updatesAtPublish = 0;
        long requestsLearned = 0;
        double[] w = new double[world.tasks()];
        for (long i = 1; i <= s.requests(); i++) {
            SimRequest r = world.nextRequest(traffic, i * 100L);
            if (serving == null) {
                System.arraycopy(fb, 0, w, 0, fb.length);
            } else {
                serving.weights(r.features(), w);
            }
            pending.add(world.respond(r, w, response));
            while (pending.size() > s.labelLag()) {
                SimOutcome o = pending.poll();
                SimRequest q = o.request();
                double[] y = Boolean.getBoolean("grade.truth") ? q.expectedLabels() : o.labels();
                if (s.ipsPower() > 0) {
                    y = y.clone();
                    int n = q.tasks();
                    for (int pos = 0; pos < o.shown(); pos++) {
                        int j = o.ranking()[pos];
                        double inv = Math.pow(Math.log(pos + 2) / Math.log(2), s.ipsPower());
                        for (int k = 0; k < n; k++) {
                            y[j * n + k] *= inv;
                        }
                    }
                }
                if (holdout != null && s.gate().holdout().heldOut("r" + q.eventTimeMillis())) {
                    holdout.add(TrainingRequest.of(q.features(), q.scores(), y, q.items(), q.tasks(),
                            world.fusionKind(), world.fusionBetas()), o.servedWeights());
                    continue;
                }
                requestsLearned++;
                if (SHOWN_ONLY) {
                    int n = q.tasks();
                    int m = o.shown();
                    double[] sc = q.scores();
                    double[] ss = new double[m * n];
                    double[] yy = new double[m * n];
                    for (int pos = 0; pos < m; pos++) {
                        int j = o.ranking()[pos];
                        System.arraycopy(sc, j * n, ss, pos * n, n);
                        System.arraycopy(y, j * n, yy, pos * n, n);
                    }
                    learner.accept(TrainingRequest.of(q.features(), ss, yy, m, n, world.fusionKind(),
                            world.fusionBetas()));
                    continue;
                }
                learner.accept(TrainingRequest.of(q.features(), q.scores(), y, q.items(), q.tasks(),
                        world.fusionKind(), world.fusionBetas()));
            }
            if (i % s.publishEvery() == 0) {
                if (learner.grpo().updateCount() > updatesAtPublish && gate != null) {
                    PolicyForward candidate = new PolicyForward(arch, learner.grpo().policyParameters());
                    var verdict = serving == null
                            ? gate.judgeAgainstServed(io.grade.core.learner.WeightsFunction.of(candidate), holdout, reward)
                            : gate.judge(candidate, io.grade.core.learner.WeightsFunction.of(serving), holdout, reward);
                    rejections.record(verdict);
                    if (!verdict.accepted()) {
                        if (rejections.shouldRollBack() && publishedState != null) {
                            learner.grpo().importState(publishedState);
                            updatesAtPublish = learner.grpo().updateCount();
                            rejections.rollBackTaken();
                        }
                        if (GATE_LOG) {
                            System.err.println(i + " " + verdict.reason());
                        }
                        continue;
                    }
                    publishedState = learner.grpo().exportState();
                }
                if (learner.grpo().updateCount() > updatesAtPublish) {
                    var published = learner.grpo().policyParameters();
                    updatesAtPublish = learner.grpo().updateCount();
                    version++;
                    serving = new PolicyForward(arch, published);
                    first = first == null ? serving : first;
                    recorder.version(version, i, requestsLearned, serving::weights);
                }
            }
            for (LearningCurve.Checkpoint c : recorder.advance(i)) {
                if (out != null) {
                    out.println(LearningCurve.line(world.name(), seed, c, judge.ceiling()));
                }
            }
        }
        return new Outcome(recorder.finish((System.nanoTime() - t0) / 1e9), first, serving);
    }

    /** The protocol's settings with the job's defaults: 30,000 requests, labels 3,000 late, publish every 750. */
    public static Settings jobDefaults() {
        org.apache.flink.configuration.Configuration none = new org.apache.flink.configuration.Configuration();
        io.grade.jobs.config.LearnerConfig lc = io.grade.jobs.config.LearnerConfig.from(none,
                io.grade.jobs.config.GradeConfig.from(none));
        return new Settings(30_000, 5_000, 3_000, 750, io.grade.jobs.config.GradeOptions.LAMBDA_PRIOR.defaultValue(), 0,
                lc.online(), lc.gate());
    }

    /** The job's gate settings with the knobs given (holdout, holdoutWindow, margin, z, minRequests, maxRejections). */
    private static io.grade.core.learner.GateSettings gate(java.util.Map<String, String> kv,
                                                          io.grade.core.learner.GateSettings base) {
        io.grade.core.learner.QualityGateConfig c = base.config();
        return new io.grade.core.learner.GateSettings(
                new io.grade.core.learner.HoldoutSelector(
                        Double.parseDouble(kv.getOrDefault("holdout", String.valueOf(base.holdout().share()))),
                        base.holdout().salt()),
                Integer.parseInt(kv.getOrDefault("holdoutWindow", String.valueOf(base.window()))),
                new io.grade.core.learner.QualityGateConfig(
                        Double.parseDouble(kv.getOrDefault("margin", String.valueOf(c.margin()))),
                        Double.parseDouble(kv.getOrDefault("z", String.valueOf(c.confidenceZ()))),
                        Integer.parseInt(kv.getOrDefault("minRequests", String.valueOf(c.minRequests()))),
                        Integer.parseInt(kv.getOrDefault("maxRejections",
                                String.valueOf(c.maxConsecutiveRejections())))));
    }

    /** A quick sweep entry point for measuring defaults: args are world, seeds, then key=value knobs. */
    public static void main(String[] args) {
        String worldName = args[0];
        String[] seeds = args[1].split(",");
        java.util.Map<String, String> kv = new java.util.HashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] p = args[i].split("=", 2);
            kv.put(p[0], p[1]);
        }
        // the job's own defaults, overridden by the knobs given
        OnlineLearnerConfig lc = OnlineLearnerConfig.fromMap(kv, jobDefaults().learner());
        Settings s = new Settings(Long.parseLong(kv.getOrDefault("requests", "60000")),
                Long.parseLong(kv.getOrDefault("every", "5000")), Integer.parseInt(kv.getOrDefault("lag", "3000")),
                Integer.parseInt(kv.getOrDefault("publishEvery", "750")),
                Double.parseDouble(kv.getOrDefault("lambdaPrior",
                        String.valueOf(io.grade.jobs.config.GradeOptions.LAMBDA_PRIOR.defaultValue()))),
                Double.parseDouble(kv.getOrDefault("ips", "0")), lc,
                kv.getOrDefault("gate", "on").equals("off") ? null : gate(kv, jobDefaults().gate()));
        for (String seedText : seeds) {
            long seed = Long.parseLong(seedText);
            SimWorld world = io.grade.simulator.Worlds.spec(worldName).create(seed);
            HeldOutScore judge = HeldOutScore.build(world, Integer.parseInt(kv.getOrDefault("heldOut", "2000")),
                    Integer.parseInt(kv.getOrDefault("ceilingFit", "20000")), seed);
            double[] fallback = new double[world.tasks()];
            java.util.Arrays.fill(fallback, 1.0 / world.tasks());
            LearningCurve.Run run = run(world, seed, judge, s, fallback, null);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s s%d ceil %.3f first %.3f |",
                    worldName, seed, judge.ceiling().gapClosed(),
                    run.firstVersion() == null ? Double.NaN : run.firstVersion().gapClosed()));
            for (LearningCurve.Checkpoint c : run.curve()) {
                line.append(String.format(Locale.ROOT, " %.3f", c.gapClosed()));
            }
            line.append(String.format(Locale.ROOT, " (%.0f s)", run.seconds()));
            System.out.println(line);
        }
    }
}
