package io.grade.simulator;

import io.grade.model.search.SimplexSearch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The item-agnostic ceiling of a world: how much of the gap between the best static weights and
 * the per-request oracle a policy that sees only the user can close.
 *
 * <p>The oracle sees the candidates and their true expected labels, so no policy of the user's
 * features reaches it. A policy of the features sees less than one of the user's hidden
 * preference: in every world the features are a noisy function of the preference (and of
 * nuisance factors that do not act on behaviour), and a user's responses depend on the user only
 * through the preference; so the best policy of the hidden preference bounds every feature-only
 * policy. This class fits that policy with full knowledge of the world, as one best static weight
 * vector per bin of the hidden preference: the simplex is cut into the cells of its grid with step
 * 1/{@code binSteps} (each preference goes to the nearest grid point), and in every cell with at
 * least {@link #MIN_BIN_REQUESTS} fitting requests the {@link SimplexSearch} of the oracle finds the
 * vector with the best mean expected R_post (true expected labels); sparser cells use the best
 * static vector of all fitting requests. Binning coarsens the preference, so the figure is a lower
 * estimate of the bound it approximates; it is scored on held-out requests, so it does not
 * flatter itself by overfitting either.
 *
 * <p>Reported on held-out requests scored with expected labels: {@code best_static} (one vector
 * for all, fitted the same way), {@code oracle}, {@code ceiling} and {@code ceiling_gap_closed =
 * (ceiling - best_static) / (oracle - best_static)}.
 */
public final class ItemAgnosticCeiling {

    /** A cell with fewer fitting requests than this falls back to the global best static vector. */
    public static final int MIN_BIN_REQUESTS = 30;
    // the automatic grid keeps the number of cells near this, so that cells have data
    private static final int AUTO_MAX_BINS = 40;
    private static final long FIT_STREAM = 0xCE11_0001L;
    private static final long TEST_STREAM = 0xCE11_0002L;

    private ItemAgnosticCeiling() {}

    /**
     * What {@link #measure} found.
     *
     * @param world the world's name
     * @param binSteps grid resolution of the preference bins
     * @param bins cells of the grid
     * @param binsFitted cells with their own fitted vector (the others use the global one)
     * @param fitRequests requests the vectors were fitted on
     * @param testRequests held-out requests the figures are scored on
     * @param bestStatic mean expected R_post of the best single vector
     * @param oracle mean expected R_post of the per-request oracle
     * @param ceiling mean expected R_post of the per-bin vectors
     * @param bestStaticWeights the best single vector
     */
    public record Result(String world, int binSteps, int bins, int binsFitted, int fitRequests, int testRequests,
                         double bestStatic, double oracle, double ceiling, double[] bestStaticWeights) {

        public Result {
            bestStaticWeights = bestStaticWeights.clone();
        }

        @Override
        public double[] bestStaticWeights() {
            return bestStaticWeights.clone();
        }

        /** (ceiling - best static) / (oracle - best static). */
        public double gapClosed() {
            return (ceiling - bestStatic) / (oracle - bestStatic);
        }

        /** The figures as a flat map with {@code ceiling_} keys, for summary JSON. */
        public Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("ceiling_best_static", bestStatic);
            f.put("ceiling_oracle", oracle);
            f.put("ceiling", ceiling);
            f.put("ceiling_gap_closed", gapClosed());
            f.put("ceiling_bin_steps", binSteps);
            f.put("ceiling_bins", bins);
            f.put("ceiling_bins_fitted", binsFitted);
            f.put("ceiling_fit_requests", fitRequests);
            f.put("ceiling_test_requests", testRequests);
            return f;
        }
    }

    /**
     * Fits on {@code fitRequests} requests of the world and scores on {@code testRequests} others,
     * each from its own stream of {@code seed}; {@code binSteps} 0 picks the grid automatically.
     */
    public static Result measure(SimWorld world, int fitRequests, int testRequests, int binSteps, long seed) {
        return measure(world, fitRequests, requests(world, testRequests, World.rng(seed ^ TEST_STREAM)), null,
                binSteps, seed);
    }

    /**
     * Fits on {@code fitRequests} requests from a stream of {@code seed} and scores on the given
     * held-out ones; {@code oraclePost}, when not null, holds the oracle's expected R_post of each
     * (already solved by the caller), otherwise the oracle solves them here.
     */
    public static Result measure(SimWorld world, int fitRequests, List<SimRequest> test, double[] oraclePost,
                                 int binSteps, long seed) {
        if (oraclePost != null && oraclePost.length != test.size()) {
            throw new IllegalArgumentException("need one oracle value per held-out request, got " + oraclePost.length
                    + " for " + test.size());
        }
        if (fitRequests < 1 || test.isEmpty()) {
            throw new IllegalArgumentException("need at least one fitting and one held-out request, got "
                    + fitRequests + " and " + test.size());
        }
        int n = world.tasks();
        int steps = binSteps > 0 ? binSteps : autoSteps(n);
        Oracle oracle = world.oracle();
        SimplexSearch search = SimplexSearch.defaults();
        List<SimRequest> fit = requests(world, fitRequests, World.rng(seed ^ FIT_STREAM));
        List<Oracle.Evaluator> all = new ArrayList<>(fit.size());
        Map<Long, List<Oracle.Evaluator>> byBin = new HashMap<>();
        for (SimRequest r : fit) {
            Oracle.Evaluator e = oracle.evaluator(r);
            all.add(e);
            byBin.computeIfAbsent(bin(world.preferenceOf(r.user()), steps), b -> new ArrayList<>()).add(e);
        }
        double[] global = best(search, n, all);
        Map<Long, double[]> binWeights = new HashMap<>();
        for (Map.Entry<Long, List<Oracle.Evaluator>> b : byBin.entrySet()) {
            if (b.getValue().size() >= MIN_BIN_REQUESTS) {
                binWeights.put(b.getKey(), best(search, n, b.getValue()));
            }
        }
        double staticSum = 0;
        double oracleSum = 0;
        double ceilingSum = 0;
        for (int i = 0; i < test.size(); i++) {
            SimRequest r = test.get(i);
            Oracle.Evaluator e = oracle.evaluator(r);
            staticSum += e.expectedPost(global);
            ceilingSum += e.expectedPost(binWeights.getOrDefault(bin(world.preferenceOf(r.user()), steps), global));
            oracleSum += oraclePost != null ? oraclePost[i] : oracle.solve(r).expectedPost();
        }
        int t = test.size();
        return new Result(world.name(), steps, gridSize(n, steps), binWeights.size(), fitRequests, t, staticSum / t,
                oracleSum / t, ceilingSum / t, global);
    }

    /** The largest grid step count whose simplex grid has at most about 40 cells (n = 3: 7, n = 4: 4). */
    static int autoSteps(int n) {
        int s = 1;
        while (gridSize(n, s + 1) <= AUTO_MAX_BINS) {
            s++;
        }
        return s;
    }

    /** Points of the simplex grid with step 1/steps in n dimensions: C(steps + n - 1, n - 1). */
    static int gridSize(int n, int steps) {
        long c = 1;
        for (int i = 1; i < n; i++) {
            c = c * (steps + i) / i;
        }
        return (int) Math.min(Integer.MAX_VALUE, c);
    }

    /**
     * The grid cell of a point of the simplex: the composition of {@code steps} nearest to
     * steps * p (largest remainders), encoded as a number.
     */
    static long bin(double[] p, int steps) {
        int n = p.length;
        int[] c = new int[n];
        double[] rest = new double[n];
        int used = 0;
        for (int k = 0; k < n; k++) {
            double x = p[k] * steps;
            c[k] = (int) Math.floor(x);
            rest[k] = x - c[k];
            used += c[k];
        }
        for (int left = steps - used; left > 0; left--) {
            int arg = 0;
            for (int k = 1; k < n; k++) {
                if (rest[k] > rest[arg]) {
                    arg = k;
                }
            }
            c[arg]++;
            rest[arg] = -1;
        }
        long key = 0;
        for (int k = 0; k < n; k++) {
            key = key * (steps + 1) + c[k];
        }
        return key;
    }

    private static double[] best(SimplexSearch search, int n, List<Oracle.Evaluator> evaluators) {
        return search.maximise(n, w -> {
            double sum = 0;
            for (Oracle.Evaluator e : evaluators) {
                sum += e.expectedPost(w);
            }
            return sum / evaluators.size();
        }).point();
    }

    private static List<SimRequest> requests(SimWorld world, int count, UniformRandomProvider rng) {
        List<SimRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(world.nextRequest(rng, i * 1000L));
        }
        return out;
    }
}
