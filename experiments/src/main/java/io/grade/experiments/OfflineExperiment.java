package io.grade.experiments;

import io.grade.core.data.TrainingRequest;
import io.grade.core.explore.ExplorationKind;
import io.grade.core.grpo.GrpoConfig;
import io.grade.core.grpo.GrpoLearner;
import io.grade.core.grpo.UpdateResult;
import io.grade.core.policy.LambdaLoss;
import io.grade.core.policy.PolicyNetwork;
import io.grade.core.policy.SupervisedPretrainer;
import io.grade.model.fusion.Fusion;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.FormatConstraints;
import io.grade.model.reward.RequestReward;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;
import io.grade.simulator.LoggedDataset;
import io.grade.simulator.LoggingPolicy;
import io.grade.simulator.Oracle;
import io.grade.simulator.SimOutcome;
import io.grade.simulator.SimRequest;
import io.grade.model.search.SimplexSearch;
import io.grade.simulator.ItemAgnosticCeiling;
import io.grade.simulator.SimWorld;
import io.grade.simulator.World;
import io.grade.simulator.Worlds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.rng.UniformRandomProvider;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline experiment: learn fusion weights from simulated logs, evaluate every method on the
 * same held-out requests with the oracle's expected R_post.
 *
 * <p>Protocol (docs/design-experiment.md): a world is built from the seed; a logging policy that
 * serves Dirichlet noise around equal weights produces the training logs with labels sampled from
 * the simulated users; a separate stream gives the held-out requests. From the logs only:
 * best static weights (simplex search on the mean logged R_post), Stage 1 (LambdaLoss), and GRPO
 * fine-tuning of the Stage 1 policy with Dirichlet and with Gaussian-softmax exploration. Offline,
 * GRPO re-ranks a logged request with sampled weights and scores the new ranking with the labels
 * of the logged one (items never shown count as unlabelled): a counterfactual approximation, as
 * in the paper's offline setting. Evaluation never uses the training requests, and uses the true
 * expected labels, so its noise is small; the oracle solves every held-out request.
 *
 * <p>Deterministic for a given configuration (single-threaded, every generator seeded).
 */
public final class OfflineExperiment {

    private static final Logger LOG = LoggerFactory.getLogger(OfflineExperiment.class);
    private static final int EVAL_BATCH = 1024;

    private OfflineExperiment() {}

    /** Runs the whole experiment. */
    public static ExperimentResult run(ExperimentConfig c) {
        long start = System.nanoTime();
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        // the world seed is the master seed itself, so seed s is the world docs/design-simulator.md
        // measured as seed s; every stream gets its own seed drawn from it
        UniformRandomProvider seeds = World.rng(c.seed());
        long trainSeed = seeds.nextLong();
        long testSeed = seeds.nextLong();
        long spSeed = seeds.nextLong();
        long grpoSeed = seeds.nextLong();
        long shuffleSeed = seeds.nextLong();
        long responseSeed = seeds.nextLong();
        // drawn last, so the streams above are those of the runs before the ceiling existed
        long ceilingSeed = seeds.nextLong();

        SimWorld world = Worlds.spec(c.world()).withUsers(c.users()).withItems(c.items()).create(c.seed());
        int n = world.tasks();
        LoggedDataset logs = LoggedDataset.generate(world, c.trainRequests(),
                LoggingPolicy.dirichletAround(uniform(n), c.loggingConcentration()), trainSeed);
        List<TrainingRequest> train = trainingRequests(logs, world.fusionKind(), world.fusionBetas());
        List<SimRequest> test = heldOut(world, c.testRequests(), testSeed);
        diagnostics.put("train_requests_with_feedback", countWithFeedback(train));
        long tData = System.nanoTime();

        Map<Method, double[][]> weights = new EnumMap<>(Method.class);
        weights.put(Method.UNIFORM, repeat(uniform(n), test.size()));

        CompositeReward postOnly = new CompositeReward(new RewardConfig(world.ndcgK(), world.taskImportance(), 1.0, 0.0,
                0.0, RewardConfig.DEFAULT_TAU, FormatConstraints.none()));
        SimplexSearch.Result stat = bestStaticOnLogs(train, postOnly);
        weights.put(Method.BEST_STATIC, repeat(stat.point(), test.size()));
        long tStatic = System.nanoTime();

        PolicyArchitecture arch = PolicyArchitecture.defaults(world.featureDim(), n);
        PolicyNetwork sp = stageOne(c, arch, train, spSeed, diagnostics);
        weights.put(Method.SP, policyWeights(sp, test));
        long tSp = System.nanoTime();

        CompositeReward grpoReward = new CompositeReward(new RewardConfig(world.ndcgK(), world.taskImportance(), 1.0,
                c.lambdaPrior(), c.lambdaFormat(), RewardConfig.DEFAULT_TAU, formatConstraints(n,
                        c.formatLowerBound())));
        GrpoConfig dirichlet = c.grpoConfig(grpoSeed).withExploration(ExplorationKind.DIRICHLET);
        PolicyNetwork grade = grpo(c, dirichlet, grpoReward, sp, train, shuffleSeed, "grade", diagnostics);
        weights.put(Method.GRADE, policyWeights(grade, test));
        long tGrade = System.nanoTime();
        GrpoConfig gaussian = c.grpoConfig(grpoSeed).withExploration(ExplorationKind.GAUSSIAN_SOFTMAX);
        PolicyNetwork gradeGaussian = grpo(c, gaussian, grpoReward, sp, train, shuffleSeed, "grade_gaussian",
                diagnostics);
        weights.put(Method.GRADE_GAUSSIAN, policyWeights(gradeGaussian, test));
        long tGaussian = System.nanoTime();

        Oracle oracle = world.oracle();
        double[][] best = new double[test.size()][];
        double[] oraclePost = new double[test.size()];
        for (int i = 0; i < test.size(); i++) {
            Oracle.Solution solution = oracle.solve(test.get(i));
            best[i] = solution.weights();
            oraclePost[i] = solution.expectedPost();
        }
        weights.put(Method.ORACLE, best);
        long tOracle = System.nanoTime();
        // what no policy of the user's features can beat, fitted with full knowledge of the world and
        // scored on the same held-out requests
        ItemAgnosticCeiling.Result ceiling = ItemAgnosticCeiling.measure(world, c.effectiveCeilingFitRequests(),
                test, oraclePost, 0, ceilingSeed);
        long tCeiling = System.nanoTime();

        int archetypes = world.archetypeNames().size();
        int[] perArchetype = new int[archetypes];
        for (SimRequest r : test) {
            perArchetype[r.archetype()]++;
        }
        long[] responseSeeds = new long[test.size()];
        UniformRandomProvider rs = World.rng(responseSeed);
        for (int i = 0; i < responseSeeds.length; i++) {
            responseSeeds[i] = rs.nextLong();
        }
        Map<Method, Double> expected = new EnumMap<>(Method.class);
        Map<Method, Double> sampled = new EnumMap<>(Method.class);
        Map<Method, double[]> perRequest = new EnumMap<>(Method.class);
        Map<Method, double[]> archetypePost = new EnumMap<>(Method.class);
        Map<Method, double[][]> archetypeWeights = new EnumMap<>(Method.class);
        for (Method m : Method.values()) {
            Evaluation e = evaluate(world, postOnly, test, weights.get(m), responseSeeds, archetypes);
            expected.put(m, e.meanExpected);
            sampled.put(m, e.meanSampled);
            perRequest.put(m, e.perRequest);
            archetypePost.put(m, e.archetypePost);
            archetypeWeights.put(m, e.archetypeWeights);
        }
        long end = System.nanoTime();
        diagnostics.put("seconds_data", seconds(start, tData));
        diagnostics.put("seconds_best_static", seconds(tData, tStatic));
        diagnostics.put("seconds_sp", seconds(tStatic, tSp));
        diagnostics.put("seconds_grade", seconds(tSp, tGrade));
        diagnostics.put("seconds_grade_gaussian", seconds(tGrade, tGaussian));
        diagnostics.put("seconds_oracle", seconds(tGaussian, tOracle));
        diagnostics.put("seconds_ceiling", seconds(tOracle, tCeiling));
        diagnostics.put("seconds_evaluation", seconds(tCeiling, end));
        diagnostics.put("seconds_total", seconds(start, end));
        ExperimentResult result = new ExperimentResult(c, world.taskNames(), world.archetypeNames(), perArchetype,
                expected, sampled, perRequest, archetypePost, archetypeWeights, stat.point(), stat.value(), ceiling,
                diagnostics);
        LOG.info("offline experiment, world {} seed {}: uniform {}, best static {}, sp {}, grade {}, grade_gaussian {}, "
                        + "oracle {}, gap closed {}, ceiling_gap_closed {} ({} s)", c.world(), c.seed(),
                expected.get(Method.UNIFORM),
                expected.get(Method.BEST_STATIC), expected.get(Method.SP), expected.get(Method.GRADE),
                expected.get(Method.GRADE_GAUSSIAN), expected.get(Method.ORACLE), result.gapClosed(),
                ceiling.gapClosed(), seconds(start, end));
        return result;
    }

    /** Logged requests as the learner sees them: features, MTL scores, sampled labels, fusion inputs. */
    static List<TrainingRequest> trainingRequests(LoggedDataset logs, FusionKind fusion, double[] betas) {
        List<TrainingRequest> out = new ArrayList<>(logs.size());
        for (int i = 0; i < logs.size(); i++) {
            out.add(TrainingRequest.of(logs.features(i), logs.scores(i), logs.labels(i), logs.items(), logs.tasks(),
                    fusion, betas));
        }
        return out;
    }

    /** Held-out requests from their own stream (one per second of event time). */
    static List<SimRequest> heldOut(SimWorld world, int count, long seed) {
        UniformRandomProvider rng = World.rng(seed);
        List<SimRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(world.nextRequest(rng, i * 1000L));
        }
        return out;
    }

    /**
     * The best single weight vector for the logs: {@link SimplexSearch} (the oracle's search) on the
     * mean R_post of re-ranking every logged request with the logged labels, the same
     * counterfactual estimate GRPO learns from. Requests without feedback score 0 for every weight
     * vector; they stay in the mean but are not evaluated.
     */
    public static SimplexSearch.Result bestStaticOnLogs(List<TrainingRequest> train, CompositeReward postOnly) {
        List<RequestReward> prepared = new ArrayList<>();
        for (TrainingRequest r : train) {
            if (r.hasPositiveLabel()) {
                prepared.add(postOnly.prepare(r.z(), r.scores(), r.labels(), r.items(), r.tasks()));
            }
        }
        int total = train.size();
        return SimplexSearch.defaults().maximise(train.get(0).tasks(), w -> {
            double sum = 0;
            for (RequestReward rr : prepared) {
                sum += rr.post(w);
            }
            return sum / total;
        });
    }

    /**
     * Stage 1 on the logs. The gains g_j = sum_k c_k y_jk add clicks (0/1) to amounts in currency
     * (gmv in the tens to thousands), so with c = 1 the gmv task would decide every ranking; R_post
     * instead averages per-task NDCGs, each scale-free. Stage 1 therefore uses c_k = 1 / (mean
     * positive label of task k in the logs): every task's positive event weighs about one. LINEAR
     * gains, because 2^g - 1 overflows for amounts.
     */
    static PolicyNetwork stageOne(ExperimentConfig c, PolicyArchitecture arch, List<TrainingRequest> train,
                                  long seed, Map<String, Object> diagnostics) {
        if (c.spEpochs() == 0) {
            // cold start: the freshly initialised (near-uniform) network
            return new PolicyNetwork(arch, seed);
        }
        double[] importance = taskScales(train, arch.tasks());
        SupervisedPretrainer.Config sc = new SupervisedPretrainer.Config(c.spEpochs(), c.spBatchSize(),
                c.spLearningRate(), 1.0, seed, importance, new LambdaLoss(1.0, LambdaLoss.Gain.LINEAR));
        SupervisedPretrainer.Result fit = new SupervisedPretrainer(sc).fit(arch, train);
        double[] losses = fit.epochLoss();
        diagnostics.put("sp_first_epoch_loss", losses[0]);
        diagnostics.put("sp_last_epoch_loss", losses[losses.length - 1]);
        diagnostics.put("sp_skipped_steps", fit.skippedSteps());
        return fit.network();
    }

    /** c_k = 1 / mean positive label of task k (1 for a task without any positive label). */
    public static double[] taskScales(List<TrainingRequest> train, int tasks) {
        double[] sum = new double[tasks];
        long[] count = new long[tasks];
        for (TrainingRequest r : train) {
            for (int j = 0; j < r.items(); j++) {
                for (int k = 0; k < tasks; k++) {
                    double y = r.label(j, k);
                    if (y > 0) {
                        sum[k] += y;
                        count[k]++;
                    }
                }
            }
        }
        double[] c = new double[tasks];
        for (int k = 0; k < tasks; k++) {
            c[k] = count[k] == 0 ? 1.0 : count[k] / sum[k];
        }
        return c;
    }

    /**
     * GRPO from the Stage 1 policy: {@code grpoUpdates} updates on minibatches drawn without
     * replacement from the logs, reshuffled after every pass. Both explorations see the same
     * minibatches (same shuffle seed).
     */
    static PolicyNetwork grpo(ExperimentConfig c, GrpoConfig gc, CompositeReward reward, PolicyNetwork initial,
                              List<TrainingRequest> train, long shuffleSeed, String name,
                              Map<String, Object> diagnostics) {
        GrpoLearner learner = new GrpoLearner(gc, reward, initial);
        UniformRandomProvider rng = World.rng(shuffleSeed);
        int[] order = identity(train.size());
        shuffle(order, rng);
        int next = 0;
        int batch = Math.min(c.grpoBatchSize(), train.size());
        int window = Math.max(1, c.grpoUpdates() / 10);
        double firstSum = 0;
        double lastSum = 0;
        double klSum = 0;
        for (int u = 0; u < c.grpoUpdates(); u++) {
            if (next + batch > order.length) {
                shuffle(order, rng);
                next = 0;
            }
            List<TrainingRequest> b = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                b.add(train.get(order[next++]));
            }
            UpdateResult r = learner.update(b);
            if (u < window) {
                firstSum += r.meanReward();
            }
            if (u >= c.grpoUpdates() - window) {
                lastSum += r.meanReward();
                klSum += r.skipped() ? 0 : r.kl();
            }
        }
        if (c.grpoUpdates() > 0) {
            diagnostics.put(name + "_train_reward_first", firstSum / Math.min(window, c.grpoUpdates()));
            diagnostics.put(name + "_train_reward_last", lastSum / Math.min(window, c.grpoUpdates()));
            diagnostics.put(name + "_kl_last", klSum / Math.min(window, c.grpoUpdates()));
        }
        diagnostics.put(name + "_skipped_updates", learner.skippedUpdates());
        return new PolicyNetwork(learner.architecture(), learner.policyParameters());
    }

    /** pi(x) of every held-out request, in batched forward passes. */
    static double[][] policyWeights(PolicyNetwork net, List<SimRequest> test) {
        int d = net.architecture().featureDim();
        int n = net.architecture().tasks();
        double[][] out = new double[test.size()][];
        for (int from = 0; from < test.size(); from += EVAL_BATCH) {
            int to = Math.min(test.size(), from + EVAL_BATCH);
            double[] x = new double[(to - from) * d];
            for (int i = from; i < to; i++) {
                System.arraycopy(test.get(i).features(), 0, x, (i - from) * d, d);
            }
            double[] pi = net.forward(Nd4j.create(x, new long[] {to - from, d}, 'c'))
                    .pi().dup('c').data().asDouble();
            for (int i = from; i < to; i++) {
                out[i] = Arrays.copyOfRange(pi, (i - from) * n, (i - from + 1) * n);
            }
        }
        return out;
    }

    private record Evaluation(double meanExpected, double meanSampled, double[] perRequest, double[] archetypePost,
                              double[][] archetypeWeights) {}

    /**
     * Expected R_post (oracle, true expected labels) and sampled R_post (the users respond to the
     * ranking; the same generator seed per request for every method, so methods that rank alike
     * get alike draws) of one weight vector per held-out request.
     */
    private static Evaluation evaluate(SimWorld world, CompositeReward postOnly, List<SimRequest> test, double[][] w,
                                       long[] responseSeeds, int archetypes) {
        Oracle oracle = world.oracle();
        int n = world.tasks();
        double expectedSum = 0;
        double sampledSum = 0;
        double[] postByArchetype = new double[archetypes];
        double[][] weightByArchetype = new double[archetypes][n];
        int[] count = new int[archetypes];
        double[] perRequest = new double[test.size()];
        for (int i = 0; i < test.size(); i++) {
            SimRequest r = test.get(i);
            double e = oracle.expectedPost(r, w[i]);
            perRequest[i] = e;
            expectedSum += e;
            SimOutcome o = world.respond(r, w[i], World.rng(responseSeeds[i]));
            double[] z = Fusion.inputs(world.fusionKind(), r.scores(), r.items(), n, world.fusionBetas());
            sampledSum += postOnly.prepare(z, r.scores(), o.labels(), r.items(), n)
                    .evaluateRanking(o.ranking(), w[i]).post();
            int a = r.archetype();
            count[a]++;
            postByArchetype[a] += e;
            for (int k = 0; k < n; k++) {
                weightByArchetype[a][k] += w[i][k];
            }
        }
        for (int a = 0; a < archetypes; a++) {
            if (count[a] == 0) {
                postByArchetype[a] = Double.NaN;
                Arrays.fill(weightByArchetype[a], Double.NaN);
                continue;
            }
            postByArchetype[a] /= count[a];
            for (int k = 0; k < n; k++) {
                weightByArchetype[a][k] /= count[a];
            }
        }
        return new Evaluation(expectedSum / test.size(), sampledSum / test.size(), perRequest, postByArchetype,
                weightByArchetype);
    }

    /** R_format's structure prior: every task keeps at least {@code lo} of the weight (none when 0). */
    static FormatConstraints formatConstraints(int tasks, double lo) {
        if (lo <= 0) {
            return FormatConstraints.none();
        }
        double[] lower = new double[tasks];
        Arrays.fill(lower, lo);
        return FormatConstraints.of(new int[0][], lower, null);
    }

    private static int countWithFeedback(List<TrainingRequest> train) {
        int c = 0;
        for (TrainingRequest r : train) {
            c += r.hasPositiveLabel() ? 1 : 0;
        }
        return c;
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }

    private static double[][] repeat(double[] w, int times) {
        double[][] out = new double[times][];
        for (int i = 0; i < times; i++) {
            out[i] = w.clone();
        }
        return out;
    }

    private static int[] identity(int size) {
        int[] a = new int[size];
        for (int i = 0; i < size; i++) {
            a[i] = i;
        }
        return a;
    }

    private static void shuffle(int[] a, UniformRandomProvider rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }
}
