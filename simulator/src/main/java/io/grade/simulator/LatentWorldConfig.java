package io.grade.simulator;

import io.grade.schemas.FusionKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import static io.grade.simulator.ConfigChecks.atLeast;
import static io.grade.simulator.ConfigChecks.nonNegative;
import static io.grade.simulator.ConfigChecks.nonNegativeVector;
import static io.grade.simulator.ConfigChecks.positive;

/**
 * Shape and parameters of the latent world ({@link LatentWorld}): continuous hidden preferences
 * that show only in behaviour, items that trade one task off against another, and an MTL model
 * that knows items only through population means. Validated on construction; arrays are copied in
 * and out. The generative story is in docs/design-simulator.md.
 *
 * <p>Task roles are those of every world: task 0 a click, task 1 an order after a click, every
 * later task an amount the order carries. The default has 3 tasks ({@code ctr, cvr, gpm}; feedback
 * {@code click, order, gmv}) and 24 features; {@link Builder#tasks(int)} sets another count.
 *
 * @param taskNames task names in weight order (n >= 2)
 * @param feedbackTypes feedback type per task, same order
 * @param users number of users
 * @param items catalogue size
 * @param featureDim observable feature dimension d
 * @param informativeFeatures leading features that depend on the user's latent state; the rest are noise
 * @param nuisanceFactors hidden user factors that shape the features but not the behaviour
 * @param featureLengthScale length scale of the random Fourier features (smaller = more nonlinear)
 * @param featureNoise std of the per-user noise added to each standardised informative feature
 * @param contextDrift std of the per-request drift added to every feature
 * @param preferenceSpread std of the logistic-normal preference: pi = softmax(eta), eta ~ N(0, spread^2 I)
 * @param tradeOff item propensities across tasks correlate at -tradeOff / (n - 1) (0 = independent)
 * @param intentSharpness logit slope of a click on the task propensity the user's intent follows
 * @param clickBase click logit of a median item
 * @param popularitySigma std of the item's intent-independent click appeal (logit)
 * @param orderBase post-click order logit of a median item
 * @param orderSlope post-click order logit per unit of the item's conversion propensity
 * @param intentOrderShift post-click order logit shift of a browsing intent (minus) and a buying one (plus)
 * @param valueBase log of the median amount
 * @param valueSigma log-std of the amounts per unit of the item's amount propensity
 * @param candidates candidate items per request M (drawn uniformly)
 * @param shownPositions positions shown to the user
 * @param mtlItemError log-std of the MTL model's persistent error per item and task
 * @param mtlNoise log-std of the MTL model's per-request noise
 * @param fusionKind fusion used to rank
 * @param fusionBetas per task smoothing bias of LOG_LINEAR fusion
 * @param ndcgK NDCG cut-off of the oracle's R_post
 * @param taskImportance c_k of R_post
 * @param amountNoise log-std of the per-order basket multiplier of the amounts (mean 1)
 * @param clickDelayMedianMillis median delay of a click after the impression
 * @param clickDelaySigma log-std of the click delay
 * @param orderDelayMedianMillis median delay of an order after its click
 * @param orderDelaySigma log-std of the order delay
 * @param valueDelayMedianMillis median delay of the amount events after their order
 * @param valueDelaySigma log-std of the value delay
 */
public record LatentWorldConfig(
        List<String> taskNames,
        List<String> feedbackTypes,
        int users,
        int items,
        int featureDim,
        int informativeFeatures,
        int nuisanceFactors,
        double featureLengthScale,
        double featureNoise,
        double contextDrift,
        double preferenceSpread,
        double tradeOff,
        double intentSharpness,
        double clickBase,
        double popularitySigma,
        double orderBase,
        double orderSlope,
        double intentOrderShift,
        double valueBase,
        double valueSigma,
        int candidates,
        int shownPositions,
        double mtlItemError,
        double mtlNoise,
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
    public static final String NAME = "latent";

    /** Validates every field and copies the arrays. */
    public LatentWorldConfig {
        Objects.requireNonNull(taskNames, "taskNames");
        Objects.requireNonNull(feedbackTypes, "feedbackTypes");
        int n = taskNames.size();
        if (n < 2) {
            throw new IllegalArgumentException("tasks must be >= 2 (a click and an order), got " + n);
        }
        if (feedbackTypes.size() != n) {
            throw new IllegalArgumentException("feedbackTypes must have one entry per task (" + n + "), got "
                    + feedbackTypes);
        }
        requireDistinctText("taskNames", taskNames);
        requireDistinctText("feedbackTypes", feedbackTypes);
        atLeast("users", users, 1);
        atLeast("items", items, 2);
        atLeast("featureDim", featureDim, 1);
        atLeast("informativeFeatures", informativeFeatures, 1);
        if (informativeFeatures > featureDim) {
            throw new IllegalArgumentException("informativeFeatures (" + informativeFeatures
                    + ") must be <= featureDim (" + featureDim + ")");
        }
        atLeast("nuisanceFactors", nuisanceFactors, 0);
        positive("featureLengthScale", featureLengthScale);
        nonNegative("featureNoise", featureNoise);
        nonNegative("contextDrift", contextDrift);
        positive("preferenceSpread", preferenceSpread);
        if (!(tradeOff >= 0 && tradeOff < 1)) {
            throw new IllegalArgumentException("tradeOff must be in [0, 1), got " + tradeOff);
        }
        nonNegative("intentSharpness", intentSharpness);
        finite("clickBase", clickBase);
        nonNegative("popularitySigma", popularitySigma);
        finite("orderBase", orderBase);
        nonNegative("orderSlope", orderSlope);
        nonNegative("intentOrderShift", intentOrderShift);
        finite("valueBase", valueBase);
        nonNegative("valueSigma", valueSigma);
        atLeast("candidates", candidates, 1);
        if (candidates > items) {
            throw new IllegalArgumentException("candidates must be <= items (" + items + "), got " + candidates);
        }
        if (shownPositions < 1 || shownPositions > candidates) {
            throw new IllegalArgumentException("shownPositions must be in [1, candidates = " + candidates + "], got "
                    + shownPositions);
        }
        nonNegative("mtlItemError", mtlItemError);
        nonNegative("mtlNoise", mtlNoise);
        Objects.requireNonNull(fusionKind, "fusionKind");
        fusionBetas = nonNegativeVector("fusionBetas", fusionBetas, n);
        atLeast("ndcgK", ndcgK, 1);
        taskImportance = nonNegativeVector("taskImportance", taskImportance, n);
        nonNegative("amountNoise", amountNoise);
        atLeast("clickDelayMedianMillis", clickDelayMedianMillis, 1);
        atLeast("orderDelayMedianMillis", orderDelayMedianMillis, 1);
        atLeast("valueDelayMedianMillis", valueDelayMedianMillis, 1);
        nonNegative("clickDelaySigma", clickDelaySigma);
        nonNegative("orderDelaySigma", orderDelaySigma);
        nonNegative("valueDelaySigma", valueDelaySigma);
        taskNames = List.copyOf(taskNames);
        feedbackTypes = List.copyOf(feedbackTypes);
    }

    /** The defaults: 3 tasks, 24 features (16 informative), 10,000 users, 5,000 items, 50 candidates, top 10 shown. */
    public static LatentWorldConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int tasks() {
        return taskNames.size();
    }

    @Override
    public SimWorld create(long seed) {
        return LatentWorld.create(this, seed);
    }

    @Override
    public LatentWorldConfig withUsers(int users) {
        return toBuilder().users(users).build();
    }

    @Override
    public LatentWorldConfig withItems(int items) {
        return toBuilder().items(items).build();
    }

    @Override
    public double[] fusionBetas() {
        return fusionBetas.clone();
    }

    @Override
    public double[] taskImportance() {
        return taskImportance.clone();
    }

    // arrays make the generated equals identity-based; compare contents instead
    @Override
    public boolean equals(Object o) {
        return o instanceof LatentWorldConfig other && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "LatentWorldConfig[taskNames=" + taskNames + ", feedbackTypes=" + feedbackTypes + ", users=" + users
                + ", items=" + items + ", featureDim=" + featureDim + ", informativeFeatures=" + informativeFeatures
                + ", nuisanceFactors=" + nuisanceFactors + ", featureLengthScale=" + featureLengthScale
                + ", featureNoise=" + featureNoise + ", contextDrift=" + contextDrift
                + ", preferenceSpread=" + preferenceSpread + ", tradeOff=" + tradeOff
                + ", intentSharpness=" + intentSharpness + ", clickBase=" + clickBase
                + ", popularitySigma=" + popularitySigma + ", orderBase=" + orderBase + ", orderSlope=" + orderSlope
                + ", intentOrderShift=" + intentOrderShift + ", valueBase=" + valueBase + ", valueSigma=" + valueSigma
                + ", candidates=" + candidates + ", shownPositions=" + shownPositions
                + ", mtlItemError=" + mtlItemError + ", mtlNoise=" + mtlNoise + ", fusionKind=" + fusionKind
                + ", fusionBetas=" + Arrays.toString(fusionBetas) + ", ndcgK=" + ndcgK
                + ", taskImportance=" + Arrays.toString(taskImportance) + ", amountNoise=" + amountNoise
                + ", clickDelayMedianMillis=" + clickDelayMedianMillis + ", clickDelaySigma=" + clickDelaySigma
                + ", orderDelayMedianMillis=" + orderDelayMedianMillis + ", orderDelaySigma=" + orderDelaySigma
                + ", valueDelayMedianMillis=" + valueDelayMedianMillis + ", valueDelaySigma=" + valueDelaySigma + "]";
    }

    /** Default task names for n tasks: ctr, cvr, gpm, then v3, v4, ... */
    static List<String> defaultTaskNames(int n) {
        List<String> names = new ArrayList<>(List.of("ctr", "cvr", "gpm"));
        for (int k = 3; k < n; k++) {
            names.add("v" + k);
        }
        return List.copyOf(names.subList(0, Math.min(n, names.size())));
    }

    /** Default feedback types for n tasks: click, order, gmv, then value3, value4, ... */
    static List<String> defaultFeedbackTypes(int n) {
        List<String> types = new ArrayList<>(List.of("click", "order", "gmv"));
        for (int k = 3; k < n; k++) {
            types.add("value" + k);
        }
        return List.copyOf(types.subList(0, Math.min(n, types.size())));
    }

    private static void requireDistinctText(String name, List<String> values) {
        for (String v : values) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(name + " entries must be non-blank, got " + values);
            }
        }
        ConfigChecks.requireDistinct(name, values);
    }

    private static void finite(String name, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite, got " + v);
        }
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Mutable builder of {@link LatentWorldConfig}, preset to the defaults. */
    public static final class Builder {
        private List<String> taskNames = defaultTaskNames(3);
        private List<String> feedbackTypes = defaultFeedbackTypes(3);
        private int users = 10_000;
        private int items = 5_000;
        private int featureDim = 24;
        private int informativeFeatures = 16;
        private int nuisanceFactors = 2;
        private double featureLengthScale = 1.5;
        private double featureNoise = 0.5;
        private double contextDrift = 0.1;
        private double preferenceSpread = 2.5;
        private double tradeOff = 0.8;
        private double intentSharpness = 3.0;
        private double clickBase = -3.0;
        private double popularitySigma = 0.5;
        private double orderBase = -3.5;
        private double orderSlope = 1.0;
        private double intentOrderShift = 1.0;
        private double valueBase = 3.5;
        private double valueSigma = 1.5;
        private int candidates = 50;
        private int shownPositions = 10;
        private double mtlItemError = 0.3;
        private double mtlNoise = 0.2;
        private FusionKind fusionKind = FusionKind.LOG_LINEAR;
        private double[] fusionBetas = filled(3, 1e-6);
        private int ndcgK = 10;
        private double[] taskImportance = filled(3, 1);
        private double amountNoise = 0.2;
        private long clickDelayMedianMillis = 4_000;
        private double clickDelaySigma = 0.8;
        private long orderDelayMedianMillis = 180_000;
        private double orderDelaySigma = 1.0;
        private long valueDelayMedianMillis = 30_000;
        private double valueDelaySigma = 0.5;

        private Builder() {}

        private Builder(LatentWorldConfig c) {
            taskNames = c.taskNames;
            feedbackTypes = c.feedbackTypes;
            users = c.users;
            items = c.items;
            featureDim = c.featureDim;
            informativeFeatures = c.informativeFeatures;
            nuisanceFactors = c.nuisanceFactors;
            featureLengthScale = c.featureLengthScale;
            featureNoise = c.featureNoise;
            contextDrift = c.contextDrift;
            preferenceSpread = c.preferenceSpread;
            tradeOff = c.tradeOff;
            intentSharpness = c.intentSharpness;
            clickBase = c.clickBase;
            popularitySigma = c.popularitySigma;
            orderBase = c.orderBase;
            orderSlope = c.orderSlope;
            intentOrderShift = c.intentOrderShift;
            valueBase = c.valueBase;
            valueSigma = c.valueSigma;
            candidates = c.candidates;
            shownPositions = c.shownPositions;
            mtlItemError = c.mtlItemError;
            mtlNoise = c.mtlNoise;
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

        /**
         * n tasks with the default names (ctr, cvr, gpm, v3, ...), feedback types, betas 1e-6 and
         * importance 1; n >= 2 (a click and an order).
         */
        public Builder tasks(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("tasks must be >= 2 (a click and an order), got " + n);
            }
            taskNames = defaultTaskNames(n);
            feedbackTypes = defaultFeedbackTypes(n);
            fusionBetas = filled(n, 1e-6);
            taskImportance = filled(n, 1);
            return this;
        }

        public Builder taskNames(List<String> v) { taskNames = v; return this; }
        public Builder feedbackTypes(List<String> v) { feedbackTypes = v; return this; }
        public Builder users(int v) { users = v; return this; }
        public Builder items(int v) { items = v; return this; }
        public Builder featureDim(int v) { featureDim = v; return this; }
        public Builder informativeFeatures(int v) { informativeFeatures = v; return this; }
        public Builder nuisanceFactors(int v) { nuisanceFactors = v; return this; }
        public Builder featureLengthScale(double v) { featureLengthScale = v; return this; }
        public Builder featureNoise(double v) { featureNoise = v; return this; }
        public Builder contextDrift(double v) { contextDrift = v; return this; }
        public Builder preferenceSpread(double v) { preferenceSpread = v; return this; }
        public Builder tradeOff(double v) { tradeOff = v; return this; }
        public Builder intentSharpness(double v) { intentSharpness = v; return this; }
        public Builder clickBase(double v) { clickBase = v; return this; }
        public Builder popularitySigma(double v) { popularitySigma = v; return this; }
        public Builder orderBase(double v) { orderBase = v; return this; }
        public Builder orderSlope(double v) { orderSlope = v; return this; }
        public Builder intentOrderShift(double v) { intentOrderShift = v; return this; }
        public Builder valueBase(double v) { valueBase = v; return this; }
        public Builder valueSigma(double v) { valueSigma = v; return this; }
        public Builder candidates(int v) { candidates = v; return this; }
        public Builder shownPositions(int v) { shownPositions = v; return this; }
        public Builder mtlItemError(double v) { mtlItemError = v; return this; }
        public Builder mtlNoise(double v) { mtlNoise = v; return this; }
        public Builder fusion(FusionKind kind, double[] betas) { fusionKind = kind; fusionBetas = betas; return this; }
        public Builder ndcgK(int v) { ndcgK = v; return this; }
        public Builder taskImportance(double[] v) { taskImportance = v; return this; }
        public Builder amountNoise(double v) { amountNoise = v; return this; }

        /** Builds and validates. */
        public LatentWorldConfig build() {
            return new LatentWorldConfig(taskNames, feedbackTypes, users, items, featureDim, informativeFeatures,
                    nuisanceFactors, featureLengthScale, featureNoise, contextDrift, preferenceSpread, tradeOff,
                    intentSharpness, clickBase, popularitySigma, orderBase, orderSlope, intentOrderShift, valueBase,
                    valueSigma, candidates, shownPositions, mtlItemError, mtlNoise, fusionKind, fusionBetas, ndcgK,
                    taskImportance, amountNoise, clickDelayMedianMillis, clickDelaySigma, orderDelayMedianMillis,
                    orderDelaySigma, valueDelayMedianMillis, valueDelaySigma);
        }
    }
}
