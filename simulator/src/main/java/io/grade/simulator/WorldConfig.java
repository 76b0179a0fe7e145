package io.grade.simulator;

import io.grade.schemas.FusionKind;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import static io.grade.simulator.ConfigChecks.atLeast;
import static io.grade.simulator.ConfigChecks.nonNegative;
import static io.grade.simulator.ConfigChecks.nonNegativeVector;
import static io.grade.simulator.ConfigChecks.positive;
import static io.grade.simulator.ConfigChecks.positiveVector;
import static io.grade.simulator.ConfigChecks.requireDistinct;

/**
 * Shape and parameters of the simulated recommender world; validated on construction.
 *
 * <p>The four tasks have fixed roles by position: 0 = click (binary), 1 = order (binary),
 * 2 = order profit (amount), 3 = gross merchandise value (amount). Names are free (defaults
 * {@code ctr, cvr, opm, gpm} and feedback types {@code click, order, profit, gmv}). The generative
 * story behind each parameter is in docs/design-simulator.md. Arrays are copied in and out.
 *
 * @param taskNames task names in weight order (4)
 * @param feedbackTypes feedback type per task, same order (4)
 * @param users number of users (default 10,000)
 * @param items catalogue size (default 5,000)
 * @param featureDim observable feature dimension d (default 32)
 * @param informativeFeatures leading features that depend on the hidden preference; the rest are noise
 * @param featureHiddenUnits width of the hidden tanh layer of the random feature projection
 * @param featureNoise std of the per-user noise added to each (standardised) informative feature
 * @param contextDrift std of the per-request drift added to every feature
 * @param archetypeNames names of the user archetypes (>= 1; default 4)
 * @param archetypeCentroids per archetype, the centre of its preference over tasks (on the simplex)
 * @param archetypeShares population share per archetype (normalised here)
 * @param preferenceConcentration Dirichlet concentration of a user's preference around the centroid
 * @param preferenceTilt logit shift per unit of user-item match: how strongly a user responds to what
 *     the user cares about
 * @param userBias logit shift of click (and the opposite of order) for a click-leaning user
 * @param candidates candidate items per request M
 * @param candidatePool items drawn before the affinity-biased pick of the M candidates
 * @param candidateAffinity weight of the user-item match in the candidate pick (0 = uniform)
 * @param shownPositions positions shown to the user (top of the served ranking)
 * @param priceSigma log-std of item prices (heavy tail of the amounts)
 * @param scorePower per task, exponent of the MTL miscalibration s = scale * truth^power
 * @param scoreScale per task, scale of the MTL miscalibration
 * @param scoreNoise per task, log-std of the multiplicative per-request MTL noise
 * @param fusionKind fusion used to rank (serving and the oracle)
 * @param fusionBetas per task smoothing bias of LOG_LINEAR fusion
 * @param ndcgK NDCG cut-off of the oracle's R_post
 * @param taskImportance c_k of R_post
 * @param amountNoise log-std of the per-order basket multiplier of profit and gmv (mean 1)
 * @param clickDelayMedianMillis median delay of a click after the impression
 * @param clickDelaySigma log-std of the click delay
 * @param orderDelayMedianMillis median delay of an order after its click
 * @param orderDelaySigma log-std of the order delay
 * @param valueDelayMedianMillis median delay of the profit/gmv events after their order
 * @param valueDelaySigma log-std of the value delay
 */
public record WorldConfig(
        List<String> taskNames,
        List<String> feedbackTypes,
        int users,
        int items,
        int featureDim,
        int informativeFeatures,
        int featureHiddenUnits,
        double featureNoise,
        double contextDrift,
        List<String> archetypeNames,
        double[][] archetypeCentroids,
        double[] archetypeShares,
        double preferenceConcentration,
        double preferenceTilt,
        double userBias,
        int candidates,
        int candidatePool,
        double candidateAffinity,
        int shownPositions,
        double priceSigma,
        double[] scorePower,
        double[] scoreScale,
        double[] scoreNoise,
        FusionKind fusionKind,
        double[] fusionBetas,
        int ndcgK,
        double[] taskImportance,
        double amountNoise,
        long clickDelayMedianMillis,
        double clickDelaySigma,
        long orderDelayMedianMillis,
        double orderDelaySigma,
        long valueDelayMedianMillis,
        double valueDelaySigma) implements WorldSpec {

    /** Name of this world in {@link Worlds}. */
    public static final String NAME = "archetypes";

    /** The world has exactly four task roles: click, order, profit, gmv. */
    public static final int TASKS = 4;
    /** Task index of the click role. */
    public static final int CLICK = 0;
    /** Task index of the order role. */
    public static final int ORDER = 1;
    /** Task index of the order-profit role. */
    public static final int PROFIT = 2;
    /** Task index of the gross-merchandise role. */
    public static final int GMV = 3;

    /** Validates every field and copies the arrays. */
    public WorldConfig {
        requireLength("taskNames", taskNames, TASKS);
        requireLength("feedbackTypes", feedbackTypes, TASKS);
        requireDistinct("taskNames", taskNames);
        requireDistinct("feedbackTypes", feedbackTypes);
        atLeast("users", users, 1);
        atLeast("items", items, 2);
        atLeast("featureDim", featureDim, 1);
        atLeast("informativeFeatures", informativeFeatures, 1);
        if (informativeFeatures > featureDim) {
            throw new IllegalArgumentException("informativeFeatures (" + informativeFeatures
                    + ") must be <= featureDim (" + featureDim + ")");
        }
        atLeast("featureHiddenUnits", featureHiddenUnits, 1);
        nonNegative("featureNoise", featureNoise);
        nonNegative("contextDrift", contextDrift);

        Objects.requireNonNull(archetypeNames, "archetypeNames");
        if (archetypeNames.isEmpty()) {
            throw new IllegalArgumentException("archetypeNames must name at least one archetype");
        }
        requireDistinct("archetypeNames", archetypeNames);
        int a = archetypeNames.size();
        if (archetypeCentroids == null || archetypeCentroids.length != a) {
            throw new IllegalArgumentException("archetypeCentroids must have one row per archetype (" + a + ")");
        }
        double[][] centroids = new double[a][];
        for (int i = 0; i < a; i++) {
            centroids[i] = simplexPoint("archetypeCentroids[" + i + "]", archetypeCentroids[i]);
        }
        archetypeCentroids = centroids;
        archetypeShares = positiveVector("archetypeShares", archetypeShares, a);
        positive("preferenceConcentration", preferenceConcentration);
        nonNegative("preferenceTilt", preferenceTilt);
        nonNegative("userBias", userBias);

        atLeast("candidates", candidates, 1);
        if (candidatePool < candidates || candidatePool > items) {
            throw new IllegalArgumentException("candidatePool must be in [candidates, items] = [" + candidates + ", "
                    + items + "], got " + candidatePool);
        }
        nonNegative("candidateAffinity", candidateAffinity);
        if (shownPositions < 1 || shownPositions > candidates) {
            throw new IllegalArgumentException("shownPositions must be in [1, candidates = " + candidates + "], got "
                    + shownPositions);
        }
        nonNegative("priceSigma", priceSigma);
        scorePower = positiveVector("scorePower", scorePower, TASKS);
        scoreScale = positiveVector("scoreScale", scoreScale, TASKS);
        scoreNoise = nonNegativeVector("scoreNoise", scoreNoise, TASKS);
        Objects.requireNonNull(fusionKind, "fusionKind");
        fusionBetas = nonNegativeVector("fusionBetas", fusionBetas, TASKS);
        atLeast("ndcgK", ndcgK, 1);
        taskImportance = nonNegativeVector("taskImportance", taskImportance, TASKS);
        nonNegative("amountNoise", amountNoise);
        atLeast("clickDelayMedianMillis", clickDelayMedianMillis, 1);
        atLeast("orderDelayMedianMillis", orderDelayMedianMillis, 1);
        atLeast("valueDelayMedianMillis", valueDelayMedianMillis, 1);
        nonNegative("clickDelaySigma", clickDelaySigma);
        nonNegative("orderDelaySigma", orderDelaySigma);
        nonNegative("valueDelaySigma", valueDelaySigma);
        taskNames = List.copyOf(taskNames);
        feedbackTypes = List.copyOf(feedbackTypes);
        archetypeNames = List.copyOf(archetypeNames);
    }

    /**
     * The defaults: 10,000 users in four archetypes, 5,000 items, 50 candidates of which the top 10
     * are shown, 32 features (20 informative), LOG_LINEAR fusion, NDCG@10. Tuned so that the oracle
     * beats the best static weight vector by well over 10 % (docs/design-simulator.md).
     */
    public static WorldConfig defaults() {
        return builder().build();
    }

    /** A builder preset to the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset to this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int tasks() {
        return TASKS;
    }

    @Override
    public SimWorld create(long seed) {
        return World.create(this, seed);
    }

    @Override
    public WorldConfig withUsers(int users) {
        return toBuilder().users(users).build();
    }

    @Override
    public WorldConfig withItems(int items) {
        return toBuilder().items(items).build();
    }

    /** Number of archetypes. */
    public int archetypes() {
        return archetypeNames.size();
    }

    @Override
    public double[][] archetypeCentroids() {
        double[][] copy = new double[archetypeCentroids.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = archetypeCentroids[i].clone();
        }
        return copy;
    }

    @Override
    public double[] archetypeShares() {
        return archetypeShares.clone();
    }

    @Override
    public double[] scorePower() {
        return scorePower.clone();
    }

    @Override
    public double[] scoreScale() {
        return scoreScale.clone();
    }

    @Override
    public double[] scoreNoise() {
        return scoreNoise.clone();
    }

    @Override
    public double[] fusionBetas() {
        return fusionBetas.clone();
    }

    @Override
    public double[] taskImportance() {
        return taskImportance.clone();
    }

    // Arrays make the generated equals/hashCode identity-based; compare contents so that two equal
    // configurations are equal (determinism tests and caches rely on it).
    @Override
    public boolean equals(Object o) {
        return o instanceof WorldConfig other && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "WorldConfig[taskNames=" + taskNames + ", feedbackTypes=" + feedbackTypes + ", users=" + users
                + ", items=" + items + ", featureDim=" + featureDim + ", informativeFeatures=" + informativeFeatures
                + ", featureHiddenUnits=" + featureHiddenUnits + ", featureNoise=" + featureNoise
                + ", contextDrift=" + contextDrift + ", archetypeNames=" + archetypeNames
                + ", archetypeCentroids=" + Arrays.deepToString(archetypeCentroids)
                + ", archetypeShares=" + Arrays.toString(archetypeShares)
                + ", preferenceConcentration=" + preferenceConcentration + ", preferenceTilt=" + preferenceTilt
                + ", userBias=" + userBias + ", candidates=" + candidates + ", candidatePool=" + candidatePool
                + ", candidateAffinity=" + candidateAffinity + ", shownPositions=" + shownPositions
                + ", priceSigma=" + priceSigma + ", scorePower=" + Arrays.toString(scorePower)
                + ", scoreScale=" + Arrays.toString(scoreScale) + ", scoreNoise=" + Arrays.toString(scoreNoise)
                + ", fusionKind=" + fusionKind + ", fusionBetas=" + Arrays.toString(fusionBetas)
                + ", ndcgK=" + ndcgK + ", taskImportance=" + Arrays.toString(taskImportance)
                + ", amountNoise=" + amountNoise + ", clickDelayMedianMillis=" + clickDelayMedianMillis
                + ", clickDelaySigma=" + clickDelaySigma + ", orderDelayMedianMillis=" + orderDelayMedianMillis
                + ", orderDelaySigma=" + orderDelaySigma + ", valueDelayMedianMillis=" + valueDelayMedianMillis
                + ", valueDelaySigma=" + valueDelaySigma + "]";
    }

    private static void requireLength(String name, List<String> values, int n) {
        Objects.requireNonNull(values, name);
        if (values.size() != n) {
            throw new IllegalArgumentException(name + " must have " + n + " entries (click, order, profit, gmv roles), got "
                    + values);
        }
        for (String v : values) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(name + " entries must be non-blank, got " + values);
            }
        }
    }

    private static double[] simplexPoint(String name, double[] v) {
        double[] p = positiveVector(name, v, TASKS);
        double sum = 0;
        for (double x : p) {
            sum += x;
        }
        if (Math.abs(sum - 1) > 1e-9) {
            throw new IllegalArgumentException(name + " must sum to 1, got " + Arrays.toString(v));
        }
        return p;
    }

    /** Mutable builder of {@link WorldConfig}, preset to the defaults. */
    public static final class Builder {
        private List<String> taskNames = List.of("ctr", "cvr", "opm", "gpm");
        private List<String> feedbackTypes = List.of("click", "order", "profit", "gmv");
        private int users = 10_000;
        private int items = 5_000;
        private int featureDim = 32;
        private int informativeFeatures = 20;
        private int featureHiddenUnits = 16;
        private double featureNoise = 0.5;
        private double contextDrift = 0.1;
        private List<String> archetypeNames = List.of("browser", "buyer", "margin", "spender");
        // Each archetype leans hard on one task; individual users scatter around it (Dirichlet).
        private double[][] archetypeCentroids = {
            {0.85, 0.05, 0.05, 0.05},
            {0.05, 0.85, 0.05, 0.05},
            {0.05, 0.05, 0.85, 0.05},
            {0.05, 0.05, 0.05, 0.85},
        };
        private double[] archetypeShares = {0.3, 0.3, 0.2, 0.2};
        private double preferenceConcentration = 20;
        private double preferenceTilt = 3.2;
        private double userBias = 1.5;
        private int candidates = 50;
        private int candidatePool = 100;
        private double candidateAffinity = 0.3;
        private int shownPositions = 10;
        private double priceSigma = 1.5;
        // The MTL model is miscalibrated differently per task, so equal weights on its scores are
        // not equal weights on the truth.
        private double[] scorePower = {1.0, 0.6, 0.8, 1.3};
        private double[] scoreScale = {1.3, 0.7, 1.0, 2.0};
        private double[] scoreNoise = {0.3, 0.3, 0.4, 0.4};
        private FusionKind fusionKind = FusionKind.LOG_LINEAR;
        private double[] fusionBetas = {1e-6, 1e-6, 1e-6, 1e-6};
        private int ndcgK = 10;
        private double[] taskImportance = {1, 1, 1, 1};
        private double amountNoise = 0.2;
        private long clickDelayMedianMillis = 4_000;
        private double clickDelaySigma = 0.8;
        private long orderDelayMedianMillis = 180_000;
        private double orderDelaySigma = 1.0;
        private long valueDelayMedianMillis = 30_000;
        private double valueDelaySigma = 0.5;

        private Builder() {}

        private Builder(WorldConfig c) {
            taskNames = c.taskNames;
            feedbackTypes = c.feedbackTypes;
            users = c.users;
            items = c.items;
            featureDim = c.featureDim;
            informativeFeatures = c.informativeFeatures;
            featureHiddenUnits = c.featureHiddenUnits;
            featureNoise = c.featureNoise;
            contextDrift = c.contextDrift;
            archetypeNames = c.archetypeNames;
            archetypeCentroids = c.archetypeCentroids();
            archetypeShares = c.archetypeShares();
            preferenceConcentration = c.preferenceConcentration;
            preferenceTilt = c.preferenceTilt;
            userBias = c.userBias;
            candidates = c.candidates;
            candidatePool = c.candidatePool;
            candidateAffinity = c.candidateAffinity;
            shownPositions = c.shownPositions;
            priceSigma = c.priceSigma;
            scorePower = c.scorePower();
            scoreScale = c.scoreScale();
            scoreNoise = c.scoreNoise();
            fusionKind = c.fusionKind;
            fusionBetas = c.fusionBetas();
            ndcgK = c.ndcgK;
            taskImportance = c.taskImportance();
            amountNoise = c.amountNoise;
            clickDelayMedianMillis = c.clickDelayMedianMillis;
            clickDelaySigma = c.clickDelaySigma;
            orderDelayMedianMillis = c.orderDelayMedianMillis;
            orderDelaySigma = c.orderDelaySigma;
            valueDelayMedianMillis = c.valueDelayMedianMillis;
            valueDelaySigma = c.valueDelaySigma;
        }

        public Builder taskNames(List<String> v) { taskNames = v; return this; }
        public Builder feedbackTypes(List<String> v) { feedbackTypes = v; return this; }
        public Builder users(int v) { users = v; return this; }
        public Builder items(int v) { items = v; return this; }
        public Builder featureDim(int v) { featureDim = v; return this; }
        public Builder informativeFeatures(int v) { informativeFeatures = v; return this; }
        public Builder featureHiddenUnits(int v) { featureHiddenUnits = v; return this; }
        public Builder featureNoise(double v) { featureNoise = v; return this; }
        public Builder contextDrift(double v) { contextDrift = v; return this; }
        public Builder archetypes(List<String> names, double[][] centroids, double[] shares) {
            archetypeNames = names;
            archetypeCentroids = centroids;
            archetypeShares = shares;
            return this;
        }
        public Builder preferenceConcentration(double v) { preferenceConcentration = v; return this; }
        public Builder preferenceTilt(double v) { preferenceTilt = v; return this; }
        public Builder userBias(double v) { userBias = v; return this; }
        public Builder candidates(int v) { candidates = v; return this; }
        public Builder candidatePool(int v) { candidatePool = v; return this; }
        public Builder candidateAffinity(double v) { candidateAffinity = v; return this; }
        public Builder shownPositions(int v) { shownPositions = v; return this; }
        public Builder priceSigma(double v) { priceSigma = v; return this; }
        public Builder scorePower(double[] v) { scorePower = v; return this; }
        public Builder scoreScale(double[] v) { scoreScale = v; return this; }
        public Builder scoreNoise(double[] v) { scoreNoise = v; return this; }
        public Builder fusion(FusionKind kind, double[] betas) { fusionKind = kind; fusionBetas = betas; return this; }
        public Builder ndcgK(int v) { ndcgK = v; return this; }
        public Builder taskImportance(double[] v) { taskImportance = v; return this; }
        public Builder amountNoise(double v) { amountNoise = v; return this; }
        public Builder clickDelay(long medianMillis, double sigma) {
            clickDelayMedianMillis = medianMillis;
            clickDelaySigma = sigma;
            return this;
        }
        public Builder orderDelay(long medianMillis, double sigma) {
            orderDelayMedianMillis = medianMillis;
            orderDelaySigma = sigma;
            return this;
        }
        public Builder valueDelay(long medianMillis, double sigma) {
            valueDelayMedianMillis = medianMillis;
            valueDelaySigma = sigma;
            return this;
        }

        /** Builds and validates. */
        public WorldConfig build() {
            return new WorldConfig(taskNames, feedbackTypes, users, items, featureDim, informativeFeatures,
                    featureHiddenUnits, featureNoise, contextDrift, archetypeNames, archetypeCentroids,
                    archetypeShares, preferenceConcentration, preferenceTilt, userBias, candidates, candidatePool,
                    candidateAffinity, shownPositions, priceSigma, scorePower, scoreScale, scoreNoise, fusionKind,
                    fusionBetas, ndcgK, taskImportance, amountNoise, clickDelayMedianMillis, clickDelaySigma,
                    orderDelayMedianMillis, orderDelaySigma, valueDelayMedianMillis, valueDelaySigma);
        }
    }
}
