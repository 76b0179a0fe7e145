package io.grade.experiments;

import io.grade.core.explore.ConcentrationSchedule;
import io.grade.core.grpo.GrpoConfig;
import io.grade.simulator.ItemAgnosticCeiling;
import io.grade.simulator.Worlds;

/**
 * Settings of the offline experiment ({@link OfflineExperiment}); {@link #defaults()} is what
 * {@code ./grade experiment offline} runs. Validated on construction.
 *
 * @param seed master seed: the world and every stream (training logs, held-out requests, learner
 *     initialisation, GRPO sampling, evaluation draws) derive their seeds from it
 * @param users users in the simulated world
 * @param items catalogue size of the simulated world
 * @param trainRequests logged requests to learn from (best static, SP and GRPO all see the same ones)
 * @param testRequests held-out requests every method is evaluated on (a separate stream)
 * @param loggingConcentration the logging policy serves p ~ Dir(concentration * uniform): the
 *     spread of weights in the logs, which is what makes counterfactual re-ranking informative
 * @param spEpochs Stage 1 passes over the logs
 * @param spBatchSize Stage 1 requests per Adam step
 * @param spLearningRate Stage 1 Adam step size
 * @param grpoUpdates GRPO updates (minibatches of {@code grpoBatchSize}, cycling over the logs)
 * @param grpoBatchSize B, requests per GRPO update
 * @param groupSize G, sampled weight vectors per request
 * @param grpoLearningRate GRPO Adam step size
 * @param klCoef weight of KL(pi || pi_ref), the Stage 1 policy being the first reference
 * @param innerEpochs GRPO passes per minibatch with the sampling policy frozen
 * @param refSyncEvery reference policy sync period, in updates
 * @param alphaStart alphaHat at the first GRPO update
 * @param alphaEnd alphaHat from the end of the schedule on
 * @param alphaHorizon length of the cosine alphaHat schedule, in updates; 0 = {@code grpoUpdates},
 *     so that exploration narrows from alphaStart to alphaEnd over exactly the run
 * @param gaussianSigma logit noise of the GAUSSIAN_SOFTMAX ablation
 * @param lambdaPrior weight of R_prior (NDCG on the MTL scores) in the GRPO reward
 * @param lambdaFormat weight of the gated R_format in the GRPO reward
 * @param formatLowerBound R_format's constraint lo_k on every task weight (p_k >= lo); 0 for none,
 *     which makes R_format 0 (no structure prior configured); the default is 0
 * @param world the simulated world's name in {@link Worlds} ({@code archetypes}, the default, or {@code latent})
 * @param ceilingFitRequests requests the item-agnostic ceiling ({@link ItemAgnosticCeiling}) is fitted on;
 *     0 = as many as {@code trainRequests}
 */
public record ExperimentConfig(long seed, int users, int items, int trainRequests, int testRequests,
                               double loggingConcentration, int spEpochs, int spBatchSize, double spLearningRate,
                               int grpoUpdates, int grpoBatchSize, int groupSize, double grpoLearningRate,
                               double klCoef, int innerEpochs, long refSyncEvery, double alphaStart,
                               double alphaEnd, long alphaHorizon, double gaussianSigma, double lambdaPrior,
                               double lambdaFormat, double formatLowerBound, String world,
                               int ceilingFitRequests) {

    /** Validates every option, naming it in the message. */
    public ExperimentConfig {
        atLeast("users", users, 1);
        atLeast("items", items, 100);
        atLeast("trainRequests", trainRequests, 1);
        atLeast("testRequests", testRequests, 1);
        positive("loggingConcentration", loggingConcentration);
        atLeast("spEpochs", spEpochs, 0);
        atLeast("spBatchSize", spBatchSize, 1);
        positive("spLearningRate", spLearningRate);
        atLeast("grpoUpdates", grpoUpdates, 0);
        atLeast("grpoBatchSize", grpoBatchSize, 1);
        atLeast("groupSize", groupSize, 2);
        positive("grpoLearningRate", grpoLearningRate);
        if (!(klCoef >= 0) || !Double.isFinite(klCoef)) {
            throw new IllegalArgumentException("klCoef must be finite and >= 0, got " + klCoef);
        }
        atLeast("innerEpochs", innerEpochs, 1);
        atLeast("refSyncEvery", refSyncEvery, 1);
        positive("alphaStart", alphaStart);
        positive("alphaEnd", alphaEnd);
        atLeast("alphaHorizon", alphaHorizon, 0);
        positive("gaussianSigma", gaussianSigma);
        if (!(lambdaPrior >= 0) || !(lambdaFormat >= 0) || !Double.isFinite(lambdaPrior)
                || !Double.isFinite(lambdaFormat)) {
            throw new IllegalArgumentException("lambdaPrior and lambdaFormat must be finite and >= 0, got "
                    + lambdaPrior + ", " + lambdaFormat);
        }
        int tasks = Worlds.spec(world).tasks();
        if (!(formatLowerBound >= 0 && formatLowerBound <= 1.0 / tasks)) {
            throw new IllegalArgumentException("formatLowerBound must be in [0, " + 1.0 / tasks + "] (" + tasks
                    + " tasks), got " + formatLowerBound);
        }
        atLeast("ceilingFitRequests", ceilingFitRequests, 0);
    }

    /**
     * The default run: the simulator's default world (10,000 users, 5,000 items), 20,000 logged
     * requests, 2,000 held-out ones, Stage 1 for 10 epochs, 400 GRPO updates of B = 256, G = 20.
     * Where it departs from the spec defaults (GRPO lr 3e-4 and klCoef 1.0 instead of 1e-3 and 0.04,
     * lambdaPrior 0 instead of 0.3, no R_format structure prior, alphaHat horizon = the run's length,
     * reference sync every 100 updates), docs/design-experiment.md gives the measurements behind
     * the choice.
     */
    public static ExperimentConfig defaults() {
        return builder().build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The GRPO learner options these settings give, for the given exploration-independent seed. */
    GrpoConfig grpoConfig(long learnerSeed) {
        return GrpoConfig.defaults()
                .withGroupSize(groupSize)
                .withBatchSize(grpoBatchSize)
                .withLearningRate(grpoLearningRate)
                .withKlCoef(klCoef)
                .withInnerEpochs(innerEpochs)
                .withRefSyncEvery(refSyncEvery)
                .withSchedule(new ConcentrationSchedule(alphaStart, alphaEnd, effectiveAlphaHorizon()))
                .withGaussianSigma(gaussianSigma)
                .withSeed(learnerSeed);
    }

    /** Requests the item-agnostic ceiling is fitted on: ceilingFitRequests, or trainRequests when it is 0. */
    public int effectiveCeilingFitRequests() {
        return ceilingFitRequests > 0 ? ceilingFitRequests : trainRequests;
    }

    /** The schedule length actually used: alphaHorizon, or the number of GRPO updates when it is 0. */
    public long effectiveAlphaHorizon() {
        return alphaHorizon > 0 ? alphaHorizon : Math.max(1, grpoUpdates);
    }

    private static void atLeast(String name, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
        }
    }

    private static void positive(String name, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
        }
    }

    /** Mutable builder of {@link ExperimentConfig}; starts at the defaults. */
    public static final class Builder {
        private long seed = 1;
        private int users = 10_000;
        private int items = 5_000;
        private int trainRequests = 20_000;
        private int testRequests = 2_000;
        private double loggingConcentration = 20;
        private int spEpochs = 10;
        private int spBatchSize = 256;
        private double spLearningRate = 1e-3;
        private int grpoUpdates = 400;
        private int grpoBatchSize = GrpoConfig.DEFAULT_BATCH_SIZE;
        private int groupSize = GrpoConfig.DEFAULT_GROUP_SIZE;
        // tuned on seed 1 (docs/design-experiment.md): offline, GRPO's counterfactual reward is
        // biased, so it pays to stay close to the Stage 1 policy
        private double grpoLearningRate = 3e-4;
        private double klCoef = 1.0;
        private int innerEpochs = GrpoConfig.DEFAULT_INNER_EPOCHS;
        private long refSyncEvery = 100;
        private double alphaStart = ConcentrationSchedule.DEFAULT_ALPHA_START;
        private double alphaEnd = ConcentrationSchedule.DEFAULT_ALPHA_END;
        private long alphaHorizon = 0;
        private double gaussianSigma = GrpoConfig.DEFAULT_GAUSSIAN_SIGMA;
        // the spec's 0.3 pulls every user towards the same compromise of MTL rankings (measured:
        // -0.06 expected R_post on seed 1); the experiment default leaves the prior out
        private double lambdaPrior = 0.0;
        private double lambdaFormat = 0.05;
        // no structure prior, so R_format = 0: the former prior "every p_k >= 0.02" was violated by
        // 29-38 % of the Dirichlet samples' components around the Stage 1 policy, and in the 21-28 %
        // of groups whose R_post is the same for all G samples the normalised advantages came from
        // it alone; it cost 0.003-0.005 expected R_post (seeds 1-3) and made GRPO worse than
        // Stage 1 (docs/design-experiment.md)
        private double formatLowerBound = 0.0;
        private String world = Worlds.DEFAULT;
        private int ceilingFitRequests = 0;

        private Builder() {}

        private Builder(ExperimentConfig c) {
            seed = c.seed;
            users = c.users;
            items = c.items;
            trainRequests = c.trainRequests;
            testRequests = c.testRequests;
            loggingConcentration = c.loggingConcentration;
            spEpochs = c.spEpochs;
            spBatchSize = c.spBatchSize;
            spLearningRate = c.spLearningRate;
            grpoUpdates = c.grpoUpdates;
            grpoBatchSize = c.grpoBatchSize;
            groupSize = c.groupSize;
            grpoLearningRate = c.grpoLearningRate;
            klCoef = c.klCoef;
            innerEpochs = c.innerEpochs;
            refSyncEvery = c.refSyncEvery;
            alphaStart = c.alphaStart;
            alphaEnd = c.alphaEnd;
            alphaHorizon = c.alphaHorizon;
            gaussianSigma = c.gaussianSigma;
            lambdaPrior = c.lambdaPrior;
            lambdaFormat = c.lambdaFormat;
            formatLowerBound = c.formatLowerBound;
            world = c.world;
            ceilingFitRequests = c.ceilingFitRequests;
        }

        public Builder seed(long v) { seed = v; return this; }
        public Builder users(int v) { users = v; return this; }
        public Builder items(int v) { items = v; return this; }
        public Builder trainRequests(int v) { trainRequests = v; return this; }
        public Builder testRequests(int v) { testRequests = v; return this; }
        public Builder loggingConcentration(double v) { loggingConcentration = v; return this; }
        public Builder spEpochs(int v) { spEpochs = v; return this; }
        public Builder spBatchSize(int v) { spBatchSize = v; return this; }
        public Builder spLearningRate(double v) { spLearningRate = v; return this; }
        public Builder grpoUpdates(int v) { grpoUpdates = v; return this; }
        public Builder grpoBatchSize(int v) { grpoBatchSize = v; return this; }
        public Builder groupSize(int v) { groupSize = v; return this; }
        public Builder grpoLearningRate(double v) { grpoLearningRate = v; return this; }
        public Builder klCoef(double v) { klCoef = v; return this; }
        public Builder innerEpochs(int v) { innerEpochs = v; return this; }
        public Builder refSyncEvery(long v) { refSyncEvery = v; return this; }
        public Builder alphaStart(double v) { alphaStart = v; return this; }
        public Builder alphaEnd(double v) { alphaEnd = v; return this; }
        public Builder alphaHorizon(long v) { alphaHorizon = v; return this; }
        public Builder gaussianSigma(double v) { gaussianSigma = v; return this; }
        public Builder lambdaPrior(double v) { lambdaPrior = v; return this; }
        public Builder lambdaFormat(double v) { lambdaFormat = v; return this; }
        public Builder formatLowerBound(double v) { formatLowerBound = v; return this; }
        public Builder world(String v) { world = v; return this; }
        public Builder ceilingFitRequests(int v) { ceilingFitRequests = v; return this; }

        /** Validates and builds. */
        public ExperimentConfig build() {
            return new ExperimentConfig(seed, users, items, trainRequests, testRequests, loggingConcentration,
                    spEpochs, spBatchSize, spLearningRate, grpoUpdates, grpoBatchSize, groupSize, grpoLearningRate,
                    klCoef, innerEpochs, refSyncEvery, alphaStart, alphaEnd, alphaHorizon, gaussianSigma,
                    lambdaPrior, lambdaFormat, formatLowerBound, world, ceilingFitRequests);
        }
    }
}
