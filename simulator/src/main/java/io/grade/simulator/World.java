package io.grade.simulator;

import io.grade.model.search.SimplexSearch;
import io.grade.schemas.FusionKind;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * A simulated recommender world built from a seed: users with hidden preferences, a catalogue, an
 * imperfect MTL model, position-biased users who respond with delays, and the {@link Oracle}.
 *
 * <p>The world itself is immutable and thread-safe. Streams are driven by a generator the caller
 * passes in, so the same world seed and stream seed give identical requests, rankings, labels and
 * feedback:
 * <pre>{@code
 * World world = World.create(WorldConfig.defaults(), 42);
 * UniformRandomProvider rng = World.rng(7);
 * SimRequest r = world.nextRequest(rng, eventTimeMillis);
 * SimOutcome o = world.respond(r, servedWeights, rng);
 * double[] best = world.oracle().bestWeights(r);
 * double v = world.oracle().expectedPost(r, servedWeights);
 * }</pre>
 * The generative story is in docs/design-simulator.md.
 */
public final class World implements SimWorld {

    // An MTL probability must stay a probability after miscalibration (LOG_LINEAR takes its log).
    private static final double PROBABILITY_CAP = 0.999;
    private static final double SCORE_FLOOR = 1e-12;
    // users averaged over for the MTL model's target; enough for a stable mean, cheap to build
    private static final int TRUTH_USER_SAMPLE = 1_000;
    // Intent acts mostly on what a user clicks; whether a click becomes an order depends more on
    // the item itself, so the order logit gets only half the preference tilt.
    private static final double ORDER_TILT_SHARE = 0.5;

    private final WorldConfig config;
    private final long seed;
    private final Catalogue catalogue;
    private final Population population;
    private final Oracle oracle;
    private final double[] betas;
    private final double[] scoreScale;
    private final double[] scorePower;
    private final double[] scoreNoise;
    private final Responder responder;
    /** items x 4: the MTL model's target per item (population mean expected labels). */
    private final double[] truth;

    private World(WorldConfig config, long seed) {
        this.config = config;
        this.seed = seed;
        UniformRandomProvider root = rng(seed);
        // independent sub-streams, so that e.g. changing the user count leaves the catalogue as it is
        long catalogueSeed = root.nextLong();
        long populationSeed = root.nextLong();
        this.catalogue = new Catalogue(config.items(), config.priceSigma(), rng(catalogueSeed));
        this.population = new Population(config, rng(populationSeed));
        this.betas = config.fusionBetas();
        this.scoreScale = config.scoreScale();
        this.scorePower = config.scorePower();
        this.scoreNoise = config.scoreNoise();
        this.truth = populationTruth();
        this.oracle = new Oracle(config.fusionKind(), betas, config.ndcgK(), config.taskImportance(),
                SimplexSearch.defaults());
        this.responder = new Responder(config.fusionKind(), betas, config.shownPositions(), config.amountNoise(),
                config.feedbackTypes(), (id, task) -> task == WorldConfig.PROFIT ? catalogue.profit[id]
                        : catalogue.gmv[id], config.clickDelayMedianMillis(), config.clickDelaySigma(),
                config.orderDelayMedianMillis(), config.orderDelaySigma(), config.valueDelayMedianMillis(),
                config.valueDelaySigma());
    }

    /** Builds the world of this configuration and seed (same inputs, identical world). */
    public static World create(WorldConfig config, long seed) {
        return new World(config, seed);
    }

    /** The project's seeded generator (XO_RO_SHI_RO_128_PP) for driving streams. */
    public static UniformRandomProvider rng(long seed) {
        return RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
    }

    public WorldConfig config() {
        return config;
    }

    @Override
    public WorldSpec spec() {
        return config;
    }

    @Override
    public int candidates() {
        return config.candidates();
    }

    @Override
    public FusionKind fusionKind() {
        return config.fusionKind();
    }

    @Override
    public double[] fusionBetas() {
        return config.fusionBetas();
    }

    @Override
    public int ndcgK() {
        return config.ndcgK();
    }

    @Override
    public double[] taskImportance() {
        return config.taskImportance();
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public int users() {
        return population.size;
    }

    @Override
    public int items() {
        return catalogue.size;
    }

    @Override
    public int tasks() {
        return WorldConfig.TASKS;
    }

    @Override
    public int featureDim() {
        return population.featureDim;
    }

    @Override
    public List<String> taskNames() {
        return config.taskNames();
    }

    @Override
    public List<String> feedbackTypes() {
        return config.feedbackTypes();
    }

    @Override
    public List<String> archetypeNames() {
        return config.archetypeNames();
    }

    /** The oracle, configured with this world's fusion and reward settings. */
    @Override
    public Oracle oracle() {
        return oracle;
    }

    /** Archetype index of a user. */
    @Override
    public int archetypeOf(int user) {
        checkUser(user);
        return population.archetype[user];
    }

    /** The user's hidden preference over the tasks (a copy; on the simplex). */
    @Override
    public double[] preferenceOf(int user) {
        checkUser(user);
        return Arrays.copyOfRange(population.preference, user * WorldConfig.TASKS, (user + 1) * WorldConfig.TASKS);
    }

    /** The user's stable observable features, before per-request drift (a copy). */
    @Override
    public double[] userFeatures(int user) {
        checkUser(user);
        return Arrays.copyOfRange(population.features, user * population.featureDim,
                (user + 1) * population.featureDim);
    }

    /** A request of a user drawn uniformly at random. */
    @Override
    public SimRequest nextRequest(UniformRandomProvider rng, long eventTimeMillis) {
        return requestFor(rng.nextInt(population.size), rng, eventTimeMillis);
    }

    /**
     * A request of the given user: features with context drift, M candidates picked from a uniform
     * pool with a bias towards the user's taste, their (noisy, miscalibrated) MTL scores and their
     * true expected labels.
     */
    @Override
    public SimRequest requestFor(int user, UniformRandomProvider rng, long eventTimeMillis) {
        checkUser(user);
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        int d = population.featureDim;
        double[] features = new double[d];
        for (int i = 0; i < d; i++) {
            features[i] = population.features[user * d + i] + config.contextDrift() * gauss.sample();
        }
        int[] itemIds = pickCandidates(user, rng);
        int m = itemIds.length;
        int n = WorldConfig.TASKS;
        double[] scores = new double[m * n];
        double[] expected = new double[m * n];
        for (int j = 0; j < m; j++) {
            int id = itemIds[j];
            int row = j * n;
            for (int k = 0; k < n; k++) {
                double sigma = scoreNoise[k];
                double s = scoreScale[k] * Math.pow(truth[id * n + k], scorePower[k])
                        * Math.exp(sigma * gauss.sample() - 0.5 * sigma * sigma);
                if (k == WorldConfig.CLICK || k == WorldConfig.ORDER) {
                    s = Math.min(s, PROBABILITY_CAP);
                }
                scores[row + k] = Math.max(s, SCORE_FLOOR);
            }
            expectedLabels(user, id, expected, row);
        }
        return new SimRequest(user, population.archetype[user], eventTimeMillis, features, itemIds, scores, expected);
    }

    /**
     * Serves a request with the given fusion weights: ranks the candidates by the fused MTL scores,
     * shows the top positions, and draws the user's response. A shown item at 0-based position i is
     * examined with probability 1/log2(i + 2); an examined item is clicked with its true click
     * probability, a click becomes an order with the true post-click rate, and an order carries the
     * item's profit and gmv times a mean-one basket factor. Each event gets a delay: click after the
     * impression, order after the click, profit and gmv after the order.
     */
    @Override
    public SimOutcome respond(SimRequest r, double[] servedWeights, UniformRandomProvider rng) {
        return responder.respond(r, servedWeights, rng);
    }

    /**
     * Like {@link #respond(SimRequest, double[], UniformRandomProvider)} but for a ranking made
     * elsewhere (a serving client with its own fusion settings): the user responds to the top
     * positions of {@code ranking}, which must be a permutation of the candidate indices.
     * {@code servedWeights} is only recorded in the outcome.
     */
    @Override
    public SimOutcome respond(SimRequest r, double[] servedWeights, int[] ranking, UniformRandomProvider rng) {
        return responder.respond(r, servedWeights, ranking, rng);
    }

    /**
     * The true expected labels of item {@code id} for {@code user} given examination, written to
     * out[offset..offset+4): the user's intent (preference-weighted match) and click/order leaning
     * shift the item's click and post-click order log-odds; amounts are the item's.
     */
    private void expectedLabels(int user, int id, double[] out, int offset) {
        double shift = config.preferenceTilt() * match(user, id);
        double click = Maths.sigmoid(catalogue.ctrLogit[id] + population.clickBias[user] + shift);
        double order = click * Maths.sigmoid(catalogue.cvrLogit[id] + population.orderBias[user]
                + ORDER_TILT_SHARE * shift);
        out[offset + WorldConfig.CLICK] = click;
        out[offset + WorldConfig.ORDER] = order;
        out[offset + WorldConfig.PROFIT] = order * catalogue.profit[id];
        out[offset + WorldConfig.GMV] = order * catalogue.gmv[id];
    }

    /**
     * What a non-personalised MTL model would learn from the logs: per item, the expected labels
     * averaged over users (a fixed sample of them), with cvr as orders per click. Scores are this
     * truth distorted and noised.
     */
    private double[] populationTruth() {
        int n = WorldConfig.TASKS;
        int sample = Math.min(population.size, TRUTH_USER_SAMPLE);
        double[] truth = new double[catalogue.size * n];
        double[] e = new double[n];
        for (int id = 0; id < catalogue.size; id++) {
            double clicks = 0;
            double orders = 0;
            double profit = 0;
            double gmv = 0;
            // users are i.i.d., so the first ones are a random sample
            for (int u = 0; u < sample; u++) {
                expectedLabels(u, id, e, 0);
                clicks += e[WorldConfig.CLICK];
                orders += e[WorldConfig.ORDER];
                profit += e[WorldConfig.PROFIT];
                gmv += e[WorldConfig.GMV];
            }
            truth[id * n + WorldConfig.CLICK] = clicks / sample;
            truth[id * n + WorldConfig.ORDER] = orders / clicks;
            truth[id * n + WorldConfig.PROFIT] = profit / sample;
            truth[id * n + WorldConfig.GMV] = gmv / sample;
        }
        return truth;
    }

    /** How well item {@code id} matches what the user cares about: preference-weighted standardised attributes. */
    private double match(int user, int id) {
        int n = WorldConfig.TASKS;
        double s = 0;
        for (int k = 0; k < n; k++) {
            s += population.preference[user * n + k] * catalogue.attributes[id * n + k];
        }
        return s;
    }

    /**
     * Draws a pool of distinct items uniformly, keeps the M with the highest affinity * match + Gumbel
     * noise (a softmax sample without replacement: retrieval that knows the user a little), and
     * returns them in ascending id order so the candidate order leaks nothing.
     */
    private int[] pickCandidates(int user, UniformRandomProvider rng) {
        int pool = config.candidatePool();
        int m = config.candidates();
        int[] poolIds = new int[pool];
        double[] keys = new double[pool];
        long[] taken = new long[(catalogue.size + 63) >>> 6];
        double affinity = config.candidateAffinity();
        for (int i = 0; i < pool; i++) {
            int id;
            do {
                id = rng.nextInt(catalogue.size);
            } while ((taken[id >>> 6] & (1L << id)) != 0);
            taken[id >>> 6] |= 1L << id;
            poolIds[i] = id;
            keys[i] = affinity * match(user, id) + Maths.gumbel(rng);
        }
        int[] chosen = new int[m];
        if (pool == m) {
            System.arraycopy(poolIds, 0, chosen, 0, m);
        } else {
            double[] sorted = keys.clone();
            Arrays.sort(sorted);
            double threshold = sorted[pool - m];
            int c = 0;
            for (int i = 0; i < pool && c < m; i++) {
                if (keys[i] >= threshold) {
                    chosen[c++] = poolIds[i];
                }
            }
        }
        Arrays.sort(chosen);
        return chosen;
    }

    private void checkUser(int user) {
        if (user < 0 || user >= population.size) {
            throw new IllegalArgumentException("user must be in [0, " + population.size + "), got " + user);
        }
    }
}
