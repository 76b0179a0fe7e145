package io.grade.experiments;

import io.grade.simulator.ItemAgnosticCeiling;
import java.util.Collections;
import java.util.Objects;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one offline experiment measured: per method the mean expected R_post on the held-out
 * requests (the headline metric), the mean R_post of labels sampled from the simulated users, and
 * per archetype the mean weights and expected R_post. Immutable.
 *
 * @param config the settings that produced it
 * @param taskNames task names in weight order
 * @param archetypeNames archetype names in index order
 * @param testPerArchetype held-out requests per archetype
 * @param expectedPost per method, mean expected R_post on the held-out requests
 * @param sampledPost per method, mean R_post of labels drawn from the users for the method's
 *     ranking (same random numbers for every method)
 * @param perRequestPost per method, the expected R_post of every held-out request (same order for
 *     every method), for paired comparisons
 * @param archetypePost per method and archetype, mean expected R_post
 * @param archetypeWeights per method and archetype, mean weights (archetype x task)
 * @param bestStaticWeights the best static weights found on the training logs
 * @param bestStaticTrainPost their mean R_post on the training logs (sampled labels, counterfactual)
 * @param ceiling the world's item-agnostic ceiling on the same held-out requests
 * @param diagnostics further figures (training losses, rewards, timings), flat, in insertion order
 */
public record ExperimentResult(ExperimentConfig config, List<String> taskNames, List<String> archetypeNames,
                               int[] testPerArchetype, Map<Method, Double> expectedPost,
                               Map<Method, Double> sampledPost, Map<Method, double[]> perRequestPost,
                               Map<Method, double[]> archetypePost,
                               Map<Method, double[][]> archetypeWeights, double[] bestStaticWeights,
                               double bestStaticTrainPost, ItemAgnosticCeiling.Result ceiling,
                               Map<String, Object> diagnostics) {

    /** Copies the maps so the result cannot change later. */
    public ExperimentResult {
        taskNames = List.copyOf(taskNames);
        archetypeNames = List.copyOf(archetypeNames);
        testPerArchetype = testPerArchetype.clone();
        expectedPost = Collections.unmodifiableMap(new EnumMap<>(expectedPost));
        sampledPost = Collections.unmodifiableMap(new EnumMap<>(sampledPost));
        perRequestPost = Collections.unmodifiableMap(new EnumMap<>(perRequestPost));
        archetypePost = Collections.unmodifiableMap(new EnumMap<>(archetypePost));
        archetypeWeights = Collections.unmodifiableMap(new EnumMap<>(archetypeWeights));
        bestStaticWeights = bestStaticWeights.clone();
        Objects.requireNonNull(ceiling, "ceiling");
        diagnostics = Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
    }

    /** Mean expected R_post of a method on the held-out requests. */
    public double post(Method m) {
        return expectedPost.get(m);
    }

    /**
     * Standard error of the mean paired difference a - b over the held-out requests: how far apart
     * two methods' means may lie by the luck of the draw of requests.
     */
    public double pairedStdErr(Method a, Method b) {
        double[] x = perRequestPost.get(a);
        double[] y = perRequestPost.get(b);
        int n = x.length;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += x[i] - y[i];
        }
        mean /= n;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - y[i] - mean;
            ss += d * d;
        }
        return Math.sqrt(ss / (n - 1) / n);
    }

    /**
     * Share of the gap between the best static weights and the oracle that GRADE closes:
     * (grade - best_static) / (oracle - best_static).
     */
    public double gapClosed() {
        return gapClosed(Method.GRADE);
    }

    /** The same share for any method. */
    public double gapClosed(Method m) {
        double stat = post(Method.BEST_STATIC);
        return (post(m) - stat) / (post(Method.ORACLE) - stat);
    }

    /** Relative improvement of the oracle over the best static weights (the room for personalisation). */
    public double oracleOverStatic() {
        return post(Method.ORACLE) / post(Method.BEST_STATIC) - 1;
    }

    /**
     * Every figure as one flat map: the method keys ({@code uniform}, ..., {@code oracle}),
     * {@code gap_closed}, sampled-label means ({@code sampled_<method>}), per-archetype figures
     * ({@code post_<method>_<archetype>}, {@code weights_<method>_<archetype>_<task>}), the best
     * static weights, the run's settings and diagnostics.
     */
    public Map<String, Object> figures() {
        Map<String, Object> f = new LinkedHashMap<>();
        for (Method m : Method.values()) {
            f.put(m.key(), post(m));
        }
        f.put("gap_closed", gapClosed());
        f.put("gap_closed_sp", gapClosed(Method.SP));
        f.put("gap_closed_grade_gaussian", gapClosed(Method.GRADE_GAUSSIAN));
        f.put("oracle_over_best_static", oracleOverStatic());
        // the item-agnostic ceiling (its own best static, fitted on true expected labels) and how
        // much of what it closes GRADE closes
        f.putAll(ceiling.figures());
        f.put("gap_closed_of_ceiling", gapClosed() / ceiling.gapClosed());
        // paired differences with their standard errors: which orderings the draw of held-out
        // requests could have produced by chance
        Method[][] pairs = {{Method.GRADE, Method.SP}, {Method.GRADE, Method.BEST_STATIC},
                {Method.GRADE, Method.GRADE_GAUSSIAN}, {Method.SP, Method.BEST_STATIC},
                {Method.BEST_STATIC, Method.UNIFORM}, {Method.SP, Method.UNIFORM}};
        for (Method[] p : pairs) {
            String key = p[0].key() + "_minus_" + p[1].key();
            f.put(key, post(p[0]) - post(p[1]));
            f.put(key + "_se", pairedStdErr(p[0], p[1]));
        }
        for (Method m : Method.values()) {
            f.put("sampled_" + m.key(), sampledPost.get(m));
        }
        for (int k = 0; k < taskNames.size(); k++) {
            f.put("best_static_weight_" + taskNames.get(k), bestStaticWeights[k]);
        }
        f.put("best_static_train_post", bestStaticTrainPost);
        for (Method m : Method.values()) {
            double[] byArchetype = archetypePost.get(m);
            for (int a = 0; a < archetypeNames.size(); a++) {
                f.put("post_" + m.key() + "_" + archetypeNames.get(a), byArchetype[a]);
            }
        }
        for (Method m : new Method[] {Method.SP, Method.GRADE, Method.GRADE_GAUSSIAN, Method.ORACLE}) {
            double[][] w = archetypeWeights.get(m);
            for (int a = 0; a < archetypeNames.size(); a++) {
                for (int k = 0; k < taskNames.size(); k++) {
                    f.put("weights_" + m.key() + "_" + archetypeNames.get(a) + "_" + taskNames.get(k), w[a][k]);
                }
            }
        }
        for (int a = 0; a < archetypeNames.size(); a++) {
            f.put("test_requests_" + archetypeNames.get(a), testPerArchetype[a]);
        }
        f.put("world", config.world());
        f.put("seed", config.seed());
        f.put("users", config.users());
        f.put("items", config.items());
        f.put("train_requests", config.trainRequests());
        f.put("test_requests", config.testRequests());
        f.put("logging_concentration", config.loggingConcentration());
        f.put("sp_epochs", config.spEpochs());
        f.put("grpo_updates", config.grpoUpdates());
        f.put("grpo_batch_size", config.grpoBatchSize());
        f.put("group_size", config.groupSize());
        f.put("grpo_learning_rate", config.grpoLearningRate());
        f.put("kl_coef", config.klCoef());
        f.put("alpha_horizon", config.effectiveAlphaHorizon());
        f.put("ref_sync_every", config.refSyncEvery());
        f.put("lambda_prior", config.lambdaPrior());
        f.put("lambda_format", config.lambdaFormat());
        f.put("format_lower_bound", config.formatLowerBound());
        f.putAll(diagnostics);
        return f;
    }

    /** The results table (method, mean expected R_post, vs uniform) and per-archetype weights, as text. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        double uniform = post(Method.UNIFORM);
        sb.append(String.format(Locale.ROOT, "%-16s %18s %12s %18s%n", "method", "mean exp. R_post", "vs uniform",
                "sampled R_post"));
        for (Method m : Method.values()) {
            sb.append(String.format(Locale.ROOT, "%-16s %18.4f %+11.1f%% %18.4f%n", m.key(), post(m),
                    100 * (post(m) / uniform - 1), sampledPost.get(m)));
        }
        sb.append(String.format(Locale.ROOT, "gap_closed = (grade - best_static) / (oracle - best_static) = %.3f"
                + "   (sp %.3f, grade_gaussian %.3f); oracle over best static %+.1f%%%n", gapClosed(),
                gapClosed(Method.SP), gapClosed(Method.GRADE_GAUSSIAN), 100 * oracleOverStatic()));
        sb.append(String.format(Locale.ROOT, "item-agnostic ceiling (best static vector per bin of the hidden "
                        + "preference, %d of %d bins fitted on %d requests with expected labels): best_static %.4f, "
                        + "ceiling %.4f, oracle %.4f, ceiling_gap_closed = %.3f; grade closes %.2f of it%n",
                ceiling.binsFitted(), ceiling.bins(), ceiling.fitRequests(), ceiling.bestStatic(), ceiling.ceiling(),
                ceiling.oracle(), ceiling.gapClosed(), gapClosed() / ceiling.gapClosed()));
        sb.append(String.format(Locale.ROOT, "paired differences (standard error): grade - sp %+.4f (%.4f), "
                        + "grade - best_static %+.4f (%.4f), sp - uniform %+.4f (%.4f)%n",
                post(Method.GRADE) - post(Method.SP), pairedStdErr(Method.GRADE, Method.SP),
                post(Method.GRADE) - post(Method.BEST_STATIC), pairedStdErr(Method.GRADE, Method.BEST_STATIC),
                post(Method.SP) - post(Method.UNIFORM), pairedStdErr(Method.SP, Method.UNIFORM)));
        sb.append(String.format(Locale.ROOT, "best static weights (%s) = %s%n", String.join(", ", taskNames),
                format(bestStaticWeights)));
        sb.append(String.format(Locale.ROOT, "%nmean weights per archetype (%s) and mean expected R_post%n",
                String.join(", ", taskNames)));
        sb.append(String.format(Locale.ROOT, "%-9s %-16s %-30s %8s%n", "archetype", "method", "weights", "R_post"));
        for (int a = 0; a < archetypeNames.size(); a++) {
            for (Method m : new Method[] {Method.SP, Method.GRADE, Method.GRADE_GAUSSIAN, Method.ORACLE}) {
                sb.append(String.format(Locale.ROOT, "%-9s %-16s %-30s %8.4f%n",
                        m == Method.SP ? archetypeNames.get(a) : "", m.key(),
                        format(archetypeWeights.get(m)[a]), archetypePost.get(m)[a]));
            }
        }
        return sb.toString();
    }

    private static String format(double[] w) {
        StringBuilder sb = new StringBuilder("(");
        for (int k = 0; k < w.length; k++) {
            sb.append(k == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", w[k]));
        }
        return sb.append(')').toString();
    }
}
