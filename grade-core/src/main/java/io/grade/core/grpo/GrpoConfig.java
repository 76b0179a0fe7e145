package io.grade.core.grpo;

import io.grade.core.explore.ConcentrationSchedule;
import io.grade.core.explore.DirichletExploration;
import io.grade.core.explore.Exploration;
import io.grade.core.explore.ExplorationKind;
import io.grade.core.explore.GaussianSoftmaxExploration;
import java.util.Objects;

/**
 * Options of the GRPO learner (docs/SPEC.md sections 5 and 7), spec defaults in {@link #defaults()}.
 *
 * @param groupSize G, samples per request, >= 2 (a group of one has no spread)
 * @param batchSize B, requests per update: the target the streaming operator buffers to; the
 *     learner itself accepts any non-empty batch (a flush at end of input may be shorter)
 * @param clipEpsilon eps of the clipped ratio, in (0, 1)
 * @param klCoef weight of KL(pi_theta || pi_ref) in the loss, >= 0 (0 skips the reference forward pass)
 * @param innerEpochs passes over one batch with the sampling policy frozen, >= 1
 * @param learningRate Adam step size, > 0
 * @param gradClipNorm global gradient-norm clip, > 0
 * @param minRewardStd a group whose reward std is below this is homogeneous: zero advantage,
 *     counted. Rewards are NDCG mixtures in [0, ~1.35] that change in steps when a ranking
 *     changes, so a std below 1e-6 means every sample ranked the same and the spread is rounding
 *     noise, which normalisation would otherwise blow up to unit-size advantages
 * @param refSyncEvery the reference policy is replaced by a copy of the current one every this
 *     many applied updates, >= 1 (the paper syncs daily; 1000 updates of 256 requests is our default)
 * @param alphaMin lower clamp of the Dirichlet concentrations
 * @param schedule cosine schedule of alphaHat
 * @param exploration DIRICHLET (the method) or GAUSSIAN_SOFTMAX (ablation)
 * @param gaussianSigma logit noise of the ablation, > 0
 * @param seed seed of the learner's generator
 */
public record GrpoConfig(int groupSize, int batchSize, double clipEpsilon, double klCoef, int innerEpochs,
                         double learningRate, double gradClipNorm, double minRewardStd, long refSyncEvery,
                         double alphaMin, ConcentrationSchedule schedule, ExplorationKind exploration,
                         double gaussianSigma, long seed) implements java.io.Serializable {

    /** Spec default G. */
    public static final int DEFAULT_GROUP_SIZE = 20;
    /** Spec default B. */
    public static final int DEFAULT_BATCH_SIZE = 256;
    /** Spec default clip eps. */
    public static final double DEFAULT_CLIP_EPSILON = 0.2;
    /** Spec default KL coefficient. */
    public static final double DEFAULT_KL_COEF = 0.04;
    /** Spec default inner epochs. */
    public static final int DEFAULT_INNER_EPOCHS = 2;
    /** Spec default Adam learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** Spec default gradient-norm clip. */
    public static final double DEFAULT_GRAD_CLIP_NORM = 1.0;
    /** Our default homogeneity threshold (see the record comment). */
    public static final double DEFAULT_MIN_REWARD_STD = 1e-6;
    /** Our default reference sync period, in updates. */
    public static final long DEFAULT_REF_SYNC_EVERY = 1000;
    /**
     * Our default alphaMin: keeps every digamma(alpha) above about -10.4 and makes an underflowed
     * Gamma draw (p below {@link DirichletExploration#P_FLOOR}) an event of order 1e-3 per component.
     */
    public static final double DEFAULT_ALPHA_MIN = 0.1;
    /** Our default logit noise for the Gaussian ablation (similar spread to Dir at alphaHat ~ 5 for n = 4). */
    public static final double DEFAULT_GAUSSIAN_SIGMA = 0.5;
    /** Default seed. */
    public static final long DEFAULT_SEED = 42L;

    /** Validates every option, naming it in the message. */
    public GrpoConfig {
        if (groupSize < 2) {
            throw new IllegalArgumentException("groupSize must be >= 2, got " + groupSize);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (!(clipEpsilon > 0 && clipEpsilon < 1)) {
            throw new IllegalArgumentException("clipEpsilon must be in (0, 1), got " + clipEpsilon);
        }
        if (!(klCoef >= 0) || !Double.isFinite(klCoef)) {
            throw new IllegalArgumentException("klCoef must be finite and >= 0, got " + klCoef);
        }
        if (innerEpochs < 1) {
            throw new IllegalArgumentException("innerEpochs must be >= 1, got " + innerEpochs);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        if (!(gradClipNorm > 0) || !Double.isFinite(gradClipNorm)) {
            throw new IllegalArgumentException("gradClipNorm must be finite and > 0, got " + gradClipNorm);
        }
        if (!(minRewardStd >= 0) || !Double.isFinite(minRewardStd)) {
            throw new IllegalArgumentException("minRewardStd must be finite and >= 0, got " + minRewardStd);
        }
        if (refSyncEvery < 1) {
            throw new IllegalArgumentException("refSyncEvery must be >= 1, got " + refSyncEvery);
        }
        if (!(alphaMin >= DirichletExploration.MIN_ALPHA_MIN) || !Double.isFinite(alphaMin)) {
            throw new IllegalArgumentException("alphaMin must be finite and >= " + DirichletExploration.MIN_ALPHA_MIN
                    + ", got " + alphaMin);
        }
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(exploration, "exploration");
        if (!(gaussianSigma > 0) || !Double.isFinite(gaussianSigma)) {
            throw new IllegalArgumentException("gaussianSigma must be finite and > 0, got " + gaussianSigma);
        }
    }

    /** Every spec default; the alphaHat schedule runs over {@link ConcentrationSchedule#DEFAULT_HORIZON} updates. */
    public static GrpoConfig defaults() {
        return new GrpoConfig(DEFAULT_GROUP_SIZE, DEFAULT_BATCH_SIZE, DEFAULT_CLIP_EPSILON, DEFAULT_KL_COEF,
                DEFAULT_INNER_EPOCHS, DEFAULT_LEARNING_RATE, DEFAULT_GRAD_CLIP_NORM, DEFAULT_MIN_REWARD_STD,
                DEFAULT_REF_SYNC_EVERY, DEFAULT_ALPHA_MIN,
                ConcentrationSchedule.defaults(ConcentrationSchedule.DEFAULT_HORIZON), ExplorationKind.DIRICHLET,
                DEFAULT_GAUSSIAN_SIGMA, DEFAULT_SEED);
    }

    /** The exploration distribution these options select (a new instance: it holds scratch buffers). */
    public Exploration newExploration() {
        return switch (exploration) {
            case DIRICHLET -> new DirichletExploration(alphaMin);
            case GAUSSIAN_SOFTMAX -> new GaussianSoftmaxExploration(gaussianSigma);
        };
    }

    /** Copy with another G. */
    public GrpoConfig withGroupSize(int v) {
        return new GrpoConfig(v, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another B. */
    public GrpoConfig withBatchSize(int v) {
        return new GrpoConfig(groupSize, v, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another clip eps. */
    public GrpoConfig withClipEpsilon(double v) {
        return new GrpoConfig(groupSize, batchSize, v, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another KL coefficient. */
    public GrpoConfig withKlCoef(double v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, v, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another number of inner epochs. */
    public GrpoConfig withInnerEpochs(int v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, v, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another learning rate. */
    public GrpoConfig withLearningRate(double v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, v, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another gradient clip. */
    public GrpoConfig withGradClipNorm(double v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, v,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another homogeneity threshold. */
    public GrpoConfig withMinRewardStd(double v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                v, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another reference sync period. */
    public GrpoConfig withRefSyncEvery(long v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, v, alphaMin, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another alphaMin. */
    public GrpoConfig withAlphaMin(double v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, v, schedule, exploration, gaussianSigma, seed);
    }

    /** Copy with another alphaHat schedule. */
    public GrpoConfig withSchedule(ConcentrationSchedule v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, v, exploration, gaussianSigma, seed);
    }

    /** Copy with another exploration kind. */
    public GrpoConfig withExploration(ExplorationKind v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, v, gaussianSigma, seed);
    }

    /** Copy with another Gaussian sigma. */
    public GrpoConfig withGaussianSigma(double v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, v, seed);
    }

    /** Copy with another seed. */
    public GrpoConfig withSeed(long v) {
        return new GrpoConfig(groupSize, batchSize, clipEpsilon, klCoef, innerEpochs, learningRate, gradClipNorm,
                minRewardStd, refSyncEvery, alphaMin, schedule, exploration, gaussianSigma, v);
    }
}
