package io.grade.core.grpo;

import io.grade.core.data.TrainingRequest;
import io.grade.core.explore.ConcentrationSchedule;
import io.grade.core.explore.Exploration;
import io.grade.core.optim.Adam;
import io.grade.core.optim.GradientClipping;
import io.grade.core.policy.ForwardPass;
import io.grade.core.policy.Gradients;
import io.grade.core.policy.PolicyNetwork;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RequestReward;
import java.util.List;
import java.util.Objects;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.core.RandomProviderDefaultState;
import org.apache.commons.rng.simple.RandomSource;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The critic-free GRPO learner of docs/SPEC.md section 7 with Dirichlet (or Gaussian-softmax)
 * exploration: one {@link #update} per batch of labelled requests.
 *
 * <p>Per update: one batched forward pass of the current policy gives the sampling ("old")
 * distribution of every request; G weight vectors per request are drawn from it and scored with
 * the composite reward; group-relative advantages follow. The old policy is then held only as
 * what the ratio needs, the log densities of the samples, so no network copy is made for it. For
 * {@code innerEpochs} passes the loss (clipped surrogate + klCoef * closed-form KL to the frozen
 * reference) is differentiated with respect to the policy head, back-propagated through the
 * network in one batched pass, clipped by global norm and applied with Adam. The reference policy
 * is a separate frozen network, replaced by a copy every {@code refSyncEvery} applied updates.
 *
 * <p>Guard: a non-finite policy output, loss, gradient or resulting parameter aborts the whole
 * update; the parameters and the Adam state return to their values before it, and a counter is
 * incremented. The generator is not rewound, so the next batch gets fresh draws.
 *
 * <p>Randomness comes only from the learner's generator, seeded from config; its state is part of
 * {@link #exportState()}, so a restored learner continues bit-identically. Not thread-safe.
 */
public final class GrpoLearner {

    /** The generator algorithm; its state is saved as plain bytes in checkpoints. */
    static final RandomSource RANDOM_SOURCE = RandomSource.XO_SHI_RO_256_PP;

    /** Id of the per-thread ND4J workspace that holds one update's temporary arrays. */
    static final String UPDATE_WORKSPACE_ID = "grade-grpo-update";
    /**
     * Sized by the first update (learning policy FIRST_LOOP), grown if a later one needs more,
     * and reset to its start when an update ends.
     */
    private static final WorkspaceConfiguration UPDATE_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    private final GrpoConfig config;
    private final CompositeReward reward;
    private final Exploration exploration;
    private final ConcentrationSchedule schedule;
    private final PolicyArchitecture arch;
    private final PolicyNetwork policy;
    private final PolicyNetwork reference;
    private final Adam adam;
    /** Scratch: the parameters before the running update, for a rollback. */
    private final INDArray policyBackup;
    private final RestorableUniformRandomProvider rng;
    private long scheduleStep;
    private long updateCount;
    private long skippedUpdates;

    // scratch, sized for the last batch size: reused so the per-sample work allocates nothing
    private int capacity = -1;
    private double[] features;
    private double[] weights;
    private double[] stats;
    private double[] rewards;
    private double[] advantages;
    private double[] logpOld;
    private double[] logpNew;
    private double[] dLogp;
    private double[] dHead;
    private final double[] w;
    /** The reward of the request being scored, re-prepared in place for the next one. */
    private RequestReward preparedReward;

    /**
     * A learner starting from {@code initialPolicy} (copied), which is also the first reference
     * policy (docs/SPEC.md section 8: the Stage 1 result is version 1 and the first reference).
     */
    public GrpoLearner(GrpoConfig config, CompositeReward reward, PolicyNetwork initialPolicy) {
        this.config = Objects.requireNonNull(config, "config");
        this.reward = Objects.requireNonNull(reward, "reward");
        this.arch = initialPolicy.architecture();
        if (reward.config().tasks() != arch.tasks()) {
            throw new IllegalArgumentException("reward is configured for " + reward.config().tasks()
                    + " tasks, the policy has " + arch.tasks());
        }
        this.exploration = config.newExploration();
        this.schedule = config.schedule();
        this.policy = initialPolicy.copy();
        this.reference = initialPolicy.copy();
        this.policyBackup = policy.layout().newBuffer();
        this.adam = new Adam(config.learningRate());
        this.rng = RANDOM_SOURCE.create(config.seed());
        this.w = new double[arch.tasks()];
    }

    /** A learner continuing from a checkpoint taken with {@link #exportState()}. */
    public static GrpoLearner restore(GrpoConfig config, CompositeReward reward, PolicyArchitecture arch,
                                      GrpoLearnerState state) {
        GrpoLearner learner = new GrpoLearner(config, reward, new PolicyNetwork(arch, state.policy()));
        learner.importState(state);
        return learner;
    }

    /**
     * One GRPO update on a batch (any non-empty size; every request must match the policy's
     * feature dimension and tasks).
     */
    public UpdateResult update(List<TrainingRequest> batch) {
        if (batch == null || batch.isEmpty()) {
            throw new IllegalArgumentException("batch must contain at least one request");
        }
        // every ND4J array of an update is temporary (the parameters, the optimiser state and the
        // rollback copy live outside): allocate them from one workspace that is reset when the
        // update ends, instead of one native allocation and deallocator registration each
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(UPDATE_WORKSPACE,
                UPDATE_WORKSPACE_ID)) {
            return updateInWorkspace(batch);
        }
    }

    private UpdateResult updateInWorkspace(List<TrainingRequest> batch) {
        int requests = batch.size();
        int n = arch.tasks();
        int d = arch.featureDim();
        int groups = config.groupSize();
        ensureCapacity(requests);
        for (int b = 0; b < requests; b++) {
            TrainingRequest r = batch.get(b);
            if (r.featureDim() != d || r.tasks() != n) {
                throw new IllegalArgumentException("request " + b + " has " + r.featureDim() + " features and "
                        + r.tasks() + " tasks, the policy needs " + d + " and " + n);
            }
            r.copyFeaturesInto(features, b * d);
        }
        double alphaHat = schedule.alphaHat(scheduleStep);
        INDArray x = Nd4j.create(features, new long[] {requests, d}, 'c');

        ForwardPass oldPass = policy.forward(x);
        double[] oldHead = head(oldPass);
        double[] refHead = config.klCoef() > 0 ? head(reference.forward(x)) : null;
        if (!allFinite(oldHead) || (refHead != null && !allFinite(refHead))) {
            return skip(requests, Double.NaN, 0, alphaHat);
        }

        // sample G weight vectors per request from the current (= old) policy and score them
        int width = groups * n;
        double rewardSum = 0;
        for (int b = 0; b < requests; b++) {
            exploration.sample(oldHead, b, n, alphaHat, groups, rng, weights, b * width, stats, b * width);
            RequestReward rr = batch.get(b).prepareReward(reward, preparedReward);
            preparedReward = rr;
            for (int g = 0; g < groups; g++) {
                System.arraycopy(weights, b * width + g * n, w, 0, n);
                double r = rr.total(w);
                rewards[b * groups + g] = r;
                rewardSum += r;
            }
            exploration.logDensities(oldHead, b, n, alphaHat, stats, b * width, groups, logpOld, b * groups);
        }
        double meanReward = rewardSum / (requests * groups);
        int homogeneous = GrpoObjective.computeAdvantages(rewards, requests, groups, config.minRewardStd(),
                advantages);

        // the state to return to if this update turns out non-finite: one copy of the flat
        // parameter buffer and of the optimiser's flat moments
        INDArray lastGood = policyBackup.assign(policy.parameterBuffer());
        Adam.Snapshot lastGoodAdam = adam.snapshot();
        double lossSum = 0;
        double klSum = 0;
        double normSum = 0;
        long clippedSum = 0;
        for (int epoch = 0; epoch < config.innerEpochs(); epoch++) {
            // epoch 0 runs at the sampling parameters: reuse their forward pass
            ForwardPass pass = epoch == 0 ? oldPass : policy.forward(x);
            double[] head = epoch == 0 ? oldHead : head(pass);
            if (!allFinite(head)) {
                return rollback(lastGood, lastGoodAdam, requests, meanReward, homogeneous, alphaHat);
            }
            GrpoLoss.Value value = GrpoLoss.evaluate(exploration, head, refHead, requests, n, groups, alphaHat, stats,
                    logpOld, advantages, config.clipEpsilon(), config.klCoef(), logpNew, dLogp, dHead);
            if (!Double.isFinite(value.loss())) {
                return rollback(lastGood, lastGoodAdam, requests, meanReward, homogeneous, alphaHat);
            }
            INDArray upstream = Nd4j.create(dHead, new long[] {requests, n}, 'c');
            Gradients grads = exploration.head() == Exploration.Head.PI
                    ? policy.backward(pass, upstream)
                    : policy.backwardLogits(pass, upstream);
            // the global norm is NaN or infinite exactly when some entry is (or when the squares of
            // huge finite entries overflow, which is no usable gradient either): one reduction per
            // tensor instead of a separate finiteness scan; nothing is scaled in that case
            double norm = GradientClipping.clipGlobalNorm(grads, config.gradClipNorm());
            if (!Double.isFinite(norm)) {
                return rollback(lastGood, lastGoodAdam, requests, meanReward, homogeneous, alphaHat);
            }
            adam.step(policy.parameterBuffer(), policy.layout(), grads);
            lossSum += value.loss();
            klSum += value.kl();
            normSum += norm;
            clippedSum += value.clipped();
        }
        if (!parametersFinite()) {
            return rollback(lastGood, lastGoodAdam, requests, meanReward, homogeneous, alphaHat);
        }
        updateCount++;
        scheduleStep++;
        if (updateCount % config.refSyncEvery() == 0) {
            reference.copyParametersFrom(policy);
        }
        int epochs = config.innerEpochs();
        return new UpdateResult(requests, meanReward, klSum / epochs,
                (double) clippedSum / ((long) epochs * requests * groups), homogeneous, false, lossSum / epochs,
                normSum / epochs, alphaHat, updateCount);
    }

    /** The exploration distribution the learner samples from. */
    public Exploration exploration() {
        return exploration;
    }

    /** The configuration. */
    public GrpoConfig config() {
        return config;
    }

    /** The policy architecture. */
    public PolicyArchitecture architecture() {
        return arch;
    }

    /** A copy of the current policy parameters (what gets published). */
    public PolicyParameters policyParameters() {
        return policy.parameters();
    }

    /** A copy of the reference policy parameters. */
    public PolicyParameters referenceParameters() {
        return reference.parameters();
    }

    /** alphaHat for the next update. */
    public double currentAlphaHat() {
        return schedule.alphaHat(scheduleStep);
    }

    /** Applied updates so far. */
    public long updateCount() {
        return updateCount;
    }

    /** Updates aborted by the non-finite guard so far. */
    public long skippedUpdates() {
        return skippedUpdates;
    }

    /** The schedule's t (applied updates since the schedule last started). */
    public long scheduleStep() {
        return scheduleStep;
    }

    /** Starts the alphaHat schedule again at t = 0 (wide exploration), e.g. after a new Stage 1 policy. */
    public void restartSchedule() {
        scheduleStep = 0;
    }

    /** The whole learner state as plain data, for checkpoints. */
    public GrpoLearnerState exportState() {
        RandomProviderDefaultState s = (RandomProviderDefaultState) rng.saveState();
        return new GrpoLearnerState(policy.parameters(), reference.parameters(), adam.exportState(), scheduleStep,
                updateCount, skippedUpdates, s.getState());
    }

    /** Replaces the whole learner state with {@code state} (same architecture required). */
    public void importState(GrpoLearnerState state) {
        // validate everything before changing anything
        PolicyNetwork check = new PolicyNetwork(arch, state.policy());
        new PolicyNetwork(arch, state.reference());
        Adam probe = new Adam(config.learningRate());
        probe.importState(state.adam(), check.parameterArrays());
        policy.setParameters(state.policy());
        reference.setParameters(state.reference());
        adam.importState(state.adam(), policy.parameterArrays());
        rng.restoreState(new RandomProviderDefaultState(state.rngState()));
        scheduleStep = state.scheduleStep();
        updateCount = state.updateCount();
        skippedUpdates = state.skippedUpdates();
    }

    private double[] head(ForwardPass pass) {
        INDArray a = exploration.head() == Exploration.Head.PI ? pass.pi() : pass.logits();
        // the heads are fresh, dense row-major arrays: read their buffer without a copy op first
        boolean dense = a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length();
        return (dense ? a : a.dup('c')).data().asDouble();
    }

    private boolean parametersFinite() {
        // a NaN or an infinity makes the L1 norm non-finite; an overflowing sum of finite
        // entries is rejected too, since such a policy is unusable anyway
        return Double.isFinite(policy.parameterBuffer().norm1Number().doubleValue());
    }

    private UpdateResult rollback(INDArray lastGood, Adam.Snapshot lastGoodAdam, int requests, double meanReward,
                                  int homogeneous, double alphaHat) {
        policy.parameterBuffer().assign(lastGood);
        adam.restore(lastGoodAdam, policy.parameterArrays());
        return skip(requests, meanReward, homogeneous, alphaHat);
    }

    private UpdateResult skip(int requests, double meanReward, int homogeneous, double alphaHat) {
        skippedUpdates++;
        return new UpdateResult(requests, meanReward, Double.NaN, Double.NaN, homogeneous, true, Double.NaN,
                Double.NaN, alphaHat, updateCount);
    }

    private void ensureCapacity(int requests) {
        if (capacity == requests) {
            return;
        }
        int n = arch.tasks();
        int groups = config.groupSize();
        features = new double[requests * arch.featureDim()];
        weights = new double[requests * groups * n];
        stats = new double[requests * groups * n];
        rewards = new double[requests * groups];
        advantages = new double[requests * groups];
        logpOld = new double[requests * groups];
        logpNew = new double[requests * groups];
        dLogp = new double[requests * groups];
        dHead = new double[requests * n];
        capacity = requests;
    }

    private static boolean allFinite(double[] a) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
