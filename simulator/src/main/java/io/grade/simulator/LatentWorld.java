package io.grade.simulator;

import io.grade.model.search.SimplexSearch;
import io.grade.schemas.FusionKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * A world of a structure unlike the archetypes ({@link World}): every user has a continuous
 * hidden preference over the tasks (logistic-normal, no clusters) that shows only in behaviour,
 * as a mixture of intents; items trade the tasks off against each other (anticorrelated task
 * propensities: what clicks well sells little); the MTL model knows items only through population
 * means with a persistent per-item error; the features are random Fourier features of the latent
 * state (and of nuisance factors that do not act on behaviour), plus noise. Default 3 tasks
 * (ctr, cvr, gpm) and 24 features. Immutable and thread-safe; same config and seed, same world.
 * The generative story is in docs/design-simulator.md.
 */
public final class LatentWorld implements SimWorld {

    private static final double PROBABILITY_CAP = 0.999;
    private static final double SCORE_FLOOR = 1e-12;
    private static final double TWO_PI = 2 * Math.PI;

    private final LatentWorldConfig config;
    private final long seed;
    private final int n;
    private final int users;
    private final int items;
    private final int d;
    /** items x n: P(click) of the item under intent k. */
    private final double[] clickByIntent;
    /** items x n: P(click and order) of the item under intent k. */
    private final double[] orderByIntent;
    /** items x n: the amount an order carries for amount task k >= 2 (columns 0 and 1 unused). */
    private final double[] value;
    /** items x n: the MTL model's target (population means), times its persistent per-item error. */
    private final double[] mtlMean;
    /** users x n: hidden preference, rows on the simplex. */
    private final double[] preference;
    private final int[] segment;
    /** users x d: stable observable features. */
    private final double[] features;
    private final List<String> segmentNames;
    private final Oracle oracle;
    private final Responder responder;

    private LatentWorld(LatentWorldConfig config, long seed) {
        this.config = config;
        this.seed = seed;
        this.n = config.tasks();
        this.users = config.users();
        this.items = config.items();
        this.d = config.featureDim();
        UniformRandomProvider root = World.rng(seed);
        long itemSeed = root.nextLong();
        long userSeed = root.nextLong();
        long featureSeed = root.nextLong();
        long mtlSeed = root.nextLong();
        this.clickByIntent = new double[items * n];
        this.orderByIntent = new double[items * n];
        this.value = new double[items * n];
        buildItems(World.rng(itemSeed));
        this.preference = new double[users * n];
        this.segment = new int[users];
        double[] logits = new double[users * n];
        buildUsers(World.rng(userSeed), logits);
        this.features = new double[users * d];
        buildFeatures(World.rng(featureSeed), logits);
        this.mtlMean = populationTruth(World.rng(mtlSeed));
        List<String> names = new ArrayList<>(n);
        for (String t : config.taskNames()) {
            names.add(t + "-led");
        }
        this.segmentNames = List.copyOf(names);
        this.oracle = new Oracle(config.fusionKind(), config.fusionBetas(), config.ndcgK(), config.taskImportance(),
                SimplexSearch.defaults());
        this.responder = new Responder(config.fusionKind(), config.fusionBetas(), config.shownPositions(),
                config.amountNoise(), config.feedbackTypes(), (id, task) -> value[id * n + task],
                config.clickDelayMedianMillis(), config.clickDelaySigma(), config.orderDelayMedianMillis(),
                config.orderDelaySigma(), config.valueDelayMedianMillis(), config.valueDelaySigma());
    }

    /** Builds the latent world of this configuration and seed. */
    public static LatentWorld create(LatentWorldConfig config, long seed) {
        return new LatentWorld(config, seed);
    }

    /**
     * Items: task propensities a_j ~ N(0, S) with unit variances and correlation -tradeOff/(n-1)
     * between any two tasks, and an intent-free click appeal q_j. Under intent k a user clicks with
     * sigmoid(clickBase + q_j + sharpness a_jk); a click converts with sigmoid(orderBase +
     * orderSlope a_j1 + shift_k) (browsing intent -shift, buying intent +shift); an order of
     * amount task k carries exp(valueBase + valueSigma a_jk).
     */
    private void buildItems(UniformRandomProvider rng) {
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        double rho = -config.tradeOff() / (n - 1);
        // S = (1 - rho)(I - 11'/n) + (1 + (n - 1) rho) 11'/n: scale the centred and the mean part
        double within = Math.sqrt(1 - rho);
        double along = Math.sqrt(1 + (n - 1) * rho);
        double[] z = new double[n];
        double[] a = new double[n];
        for (int j = 0; j < items; j++) {
            double mean = 0;
            for (int k = 0; k < n; k++) {
                z[k] = gauss.sample();
                mean += z[k] / n;
            }
            for (int k = 0; k < n; k++) {
                a[k] = within * (z[k] - mean) + along * mean;
            }
            double popularity = config.popularitySigma() * gauss.sample();
            for (int k = 0; k < n; k++) {
                double shift = k == 0 ? -config.intentOrderShift() : k == 1 ? config.intentOrderShift() : 0;
                double click = Maths.sigmoid(config.clickBase() + popularity + config.intentSharpness() * a[k]);
                double convert = Maths.sigmoid(config.orderBase() + config.orderSlope() * a[1] + shift);
                clickByIntent[j * n + k] = click;
                orderByIntent[j * n + k] = click * convert;
                value[j * n + k] = k >= 2 ? Math.exp(config.valueBase() + config.valueSigma() * a[k]) : 0;
            }
        }
    }

    /** Users: eta ~ N(0, spread^2 I), pi = softmax(eta); the segment is the dominant task of pi. */
    private void buildUsers(UniformRandomProvider rng, double[] logits) {
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        for (int u = 0; u < users; u++) {
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int k = 0; k < n; k++) {
                double eta = config.preferenceSpread() * gauss.sample();
                logits[u * n + k] = eta;
                if (eta > max) {
                    max = eta;
                    arg = k;
                }
            }
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double e = Math.exp(logits[u * n + k] - max);
                preference[u * n + k] = e;
                sum += e;
            }
            for (int k = 0; k < n; k++) {
                preference[u * n + k] /= sum;
            }
            segment[u] = arg;
        }
    }

    /**
     * Features: the centred logit of pi and some nuisance factors go through random Fourier
     * features cos(w_i . v / lengthScale + phi_i) (w_i ~ N(0, I), phi_i ~ U(0, 2 pi), fixed per
     * world); each is standardised over the population and gets per-user noise; the remaining
     * dimensions are pure noise.
     */
    private void buildFeatures(UniformRandomProvider rng, double[] logits) {
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        int r = config.nuisanceFactors();
        int in = n + r;
        int informative = config.informativeFeatures();
        double[] w = new double[informative * in];
        double[] phase = new double[informative];
        for (int i = 0; i < w.length; i++) {
            w[i] = gauss.sample() / config.featureLengthScale();
        }
        for (int i = 0; i < informative; i++) {
            phase[i] = TWO_PI * rng.nextDouble();
        }
        double[] v = new double[in];
        for (int u = 0; u < users; u++) {
            double mean = 0;
            for (int k = 0; k < n; k++) {
                mean += logits[u * n + k] / n;
            }
            for (int k = 0; k < n; k++) {
                v[k] = logits[u * n + k] - mean;
            }
            for (int k = n; k < in; k++) {
                v[k] = gauss.sample();
            }
            for (int i = 0; i < informative; i++) {
                double s = phase[i];
                for (int k = 0; k < in; k++) {
                    s += w[i * in + k] * v[k];
                }
                features[u * d + i] = Math.cos(s);
            }
        }
        for (int i = 0; i < informative; i++) {
            double sum = 0;
            double sq = 0;
            for (int u = 0; u < users; u++) {
                double x = features[u * d + i];
                sum += x;
                sq += x * x;
            }
            double mean = sum / users;
            double sd = Math.sqrt(Math.max(sq / users - mean * mean, 1e-12));
            for (int u = 0; u < users; u++) {
                features[u * d + i] = (features[u * d + i] - mean) / sd + config.featureNoise() * gauss.sample();
            }
        }
        for (int u = 0; u < users; u++) {
            for (int i = informative; i < d; i++) {
                features[u * d + i] = gauss.sample();
            }
        }
    }

    /**
     * The MTL model's target: per item the expected labels averaged over all users (the mixture
     * is linear in pi, so that is the mixture at the mean preference), cvr as orders per click,
     * amounts per impression; times a persistent log-normal error per item and task (mean one).
     */
    private double[] populationTruth(UniformRandomProvider rng) {
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        double[] meanPreference = new double[n];
        for (int u = 0; u < users; u++) {
            for (int k = 0; k < n; k++) {
                meanPreference[k] += preference[u * n + k] / users;
            }
        }
        double[] truth = new double[items * n];
        double[] e = new double[n];
        double sigma = config.mtlItemError();
        for (int j = 0; j < items; j++) {
            expectedLabels(meanPreference, 0, j, e, 0);
            for (int k = 0; k < n; k++) {
                double t = k == 1 ? e[1] / e[0] : e[k];
                truth[j * n + k] = t * Math.exp(sigma * gauss.sample() - 0.5 * sigma * sigma);
            }
        }
        return truth;
    }

    /** Expected labels (given examination) of item j for preference pref[row..row+n), written to out[offset..]. */
    private void expectedLabels(double[] pref, int row, int j, double[] out, int offset) {
        double click = 0;
        double order = 0;
        for (int k = 0; k < n; k++) {
            double p = pref[row + k];
            click += p * clickByIntent[j * n + k];
            order += p * orderByIntent[j * n + k];
        }
        out[offset] = click;
        out[offset + 1] = order;
        for (int k = 2; k < n; k++) {
            out[offset + k] = order * value[j * n + k];
        }
    }

    @Override
    public SimRequest requestFor(int user, UniformRandomProvider rng, long eventTimeMillis) {
        checkUser(user);
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        double[] x = new double[d];
        for (int i = 0; i < d; i++) {
            x[i] = features[user * d + i] + config.contextDrift() * gauss.sample();
        }
        int m = config.candidates();
        int[] ids = new int[m];
        long[] taken = new long[(items + 63) >>> 6];
        for (int c = 0; c < m; c++) {
            int id;
            do {
                id = rng.nextInt(items);
            } while ((taken[id >>> 6] & (1L << id)) != 0);
            taken[id >>> 6] |= 1L << id;
            ids[c] = id;
        }
        Arrays.sort(ids);
        double[] scores = new double[m * n];
        double[] expected = new double[m * n];
        double sigma = config.mtlNoise();
        for (int c = 0; c < m; c++) {
            int id = ids[c];
            for (int k = 0; k < n; k++) {
                double s = mtlMean[id * n + k] * Math.exp(sigma * gauss.sample() - 0.5 * sigma * sigma);
                if (k < 2) {
                    s = Math.min(s, PROBABILITY_CAP);
                }
                scores[c * n + k] = Math.max(s, SCORE_FLOOR);
            }
            expectedLabels(preference, user * n, id, expected, c * n);
        }
        return new SimRequest(user, segment[user], eventTimeMillis, x, ids, scores, expected);
    }

    @Override
    public SimOutcome respond(SimRequest r, double[] servedWeights, UniformRandomProvider rng) {
        return responder.respond(r, servedWeights, rng);
    }

    @Override
    public SimOutcome respond(SimRequest r, double[] servedWeights, int[] ranking, UniformRandomProvider rng) {
        return responder.respond(r, servedWeights, ranking, rng);
    }

    public LatentWorldConfig config() {
        return config;
    }

    @Override
    public WorldSpec spec() {
        return config;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public int users() {
        return users;
    }

    @Override
    public int items() {
        return items;
    }

    @Override
    public int tasks() {
        return n;
    }

    @Override
    public int featureDim() {
        return d;
    }

    @Override
    public int candidates() {
        return config.candidates();
    }

    @Override
    public List<String> taskNames() {
        return config.taskNames();
    }

    @Override
    public List<String> feedbackTypes() {
        return config.feedbackTypes();
    }

    /** Segments by the dominant task of the hidden preference: {@code <task>-led}. */
    @Override
    public List<String> archetypeNames() {
        return segmentNames;
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
    public Oracle oracle() {
        return oracle;
    }

    @Override
    public int archetypeOf(int user) {
        checkUser(user);
        return segment[user];
    }

    @Override
    public double[] preferenceOf(int user) {
        checkUser(user);
        return Arrays.copyOfRange(preference, user * n, (user + 1) * n);
    }

    @Override
    public double[] userFeatures(int user) {
        checkUser(user);
        return Arrays.copyOfRange(features, user * d, (user + 1) * d);
    }

    private void checkUser(int user) {
        if (user < 0 || user >= users) {
            throw new IllegalArgumentException("user must be in [0, " + users + "), got " + user);
        }
    }
}
