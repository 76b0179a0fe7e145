package io.grade.core.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.core.bench.SyntheticRequests;
import io.grade.core.data.TrainingRequest;
import io.grade.core.explore.ConcentrationSchedule;
import io.grade.core.explore.ExplorationKind;
import io.grade.core.policy.ForwardPass;
import io.grade.core.policy.PolicyNetwork;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RewardConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class GrpoLearnerTest {

    private static final int FEATURES = 6;
    private static final int TASKS = 4;
    private static final int ITEMS = 20;
    private static final PolicyArchitecture ARCH = new PolicyArchitecture(FEATURES, 2, 8, 8, TASKS, 1e-3);
    private static final CompositeReward REWARD = new CompositeReward(RewardConfig.defaults(TASKS));
    private static final double[] BEST = {0.6, 0.25, 0.1, 0.05};

    private static GrpoConfig smallConfig(long seed) {
        return GrpoConfig.defaults().withGroupSize(8).withBatchSize(16).withSeed(seed)
                .withSchedule(new ConcentrationSchedule(5, 15, 10));
    }

    private static List<TrainingRequest> requests(int count, long seed) {
        return SyntheticRequests.generate(count, ITEMS, FEATURES, BEST, 3, RandomSource.XO_SHI_RO_256_PP.create(seed));
    }

    @Test
    void shouldResumeBitIdenticallyAfterExportAndImport() {
        GrpoConfig config = smallConfig(7).withRefSyncEvery(2);
        List<TrainingRequest> data = requests(16 * 6, 70);
        GrpoLearner uninterrupted = new GrpoLearner(config, REWARD, new PolicyNetwork(ARCH, 7L));
        for (int u = 0; u < 3; u++) {
            uninterrupted.update(batch(data, u, 16));
        }
        GrpoLearnerState checkpoint = uninterrupted.exportState();
        GrpoLearner restored = GrpoLearner.restore(config, REWARD, ARCH, checkpoint);
        // a learner with the same parameters but a fresh generator must diverge: proves the check can fail
        GrpoLearner freshGenerator = new GrpoLearner(config, REWARD, new PolicyNetwork(ARCH, checkpoint.policy()));

        for (int u = 3; u < 6; u++) {
            UpdateResult a = uninterrupted.update(batch(data, u, 16));
            UpdateResult b = restored.update(batch(data, u, 16));
            assertThat(b).isEqualTo(a);
            freshGenerator.update(batch(data, u, 16));
        }
        assertThat(restored.policyParameters()).isEqualTo(uninterrupted.policyParameters());
        assertThat(restored.referenceParameters()).isEqualTo(uninterrupted.referenceParameters());
        assertThat(restored.updateCount()).isEqualTo(6);
        assertThat(restored.scheduleStep()).isEqualTo(uninterrupted.scheduleStep());
        assertThat(freshGenerator.policyParameters()).isNotEqualTo(uninterrupted.policyParameters());
        GrpoLearnerState end = restored.exportState();
        assertThat(end.rngState()).isEqualTo(uninterrupted.exportState().rngState());
        assertThat(end.adam().step()).isEqualTo(12);
    }

    @Test
    void shouldGiveTheSameUpdatesWhenTwoLearnersAlternateOnOneThread() {
        // each update allocates its temporaries in one per-thread workspace that the next update
        // reuses: state that outlives an update (parameters, reference, Adam moments) must not be
        // in it, or the other learner's update would overwrite it
        GrpoConfig configA = smallConfig(21).withRefSyncEvery(2);
        GrpoConfig configB = smallConfig(22);
        List<TrainingRequest> data = requests(16 * 5, 210);
        GrpoLearner aloneA = new GrpoLearner(configA, REWARD, new PolicyNetwork(ARCH, 21L));
        GrpoLearner aloneB = new GrpoLearner(configB, REWARD, new PolicyNetwork(ARCH, 22L));
        List<UpdateResult> resultsA = new ArrayList<>();
        List<UpdateResult> resultsB = new ArrayList<>();
        for (int u = 0; u < 5; u++) {
            resultsA.add(aloneA.update(batch(data, u, 16)));
        }
        for (int u = 0; u < 5; u++) {
            resultsB.add(aloneB.update(batch(data, 4 - u, 16)));
        }
        GrpoLearner a = new GrpoLearner(configA, REWARD, new PolicyNetwork(ARCH, 21L));
        GrpoLearner b = new GrpoLearner(configB, REWARD, new PolicyNetwork(ARCH, 22L));
        for (int u = 0; u < 5; u++) {
            assertThat(a.update(batch(data, u, 16))).isEqualTo(resultsA.get(u));
            assertThat(b.update(batch(data, 4 - u, 16))).isEqualTo(resultsB.get(u));
        }
        assertThat(a.exportState().policy()).isEqualTo(aloneA.exportState().policy());
        assertThat(a.exportState().reference()).isEqualTo(aloneA.exportState().reference());
        assertThat(a.exportState().adam().firstMoments().get("out.W"))
                .containsExactly(aloneA.exportState().adam().firstMoments().get("out.W"));
        assertThat(b.exportState().policy()).isEqualTo(aloneB.exportState().policy());
        assertThat(b.exportState().adam().secondMoments().get("tower.W"))
                .containsExactly(aloneB.exportState().adam().secondMoments().get("tower.W"));
    }

    @Test
    void shouldSyncReferenceEveryRefSyncEveryUpdates() {
        GrpoLearner learner = new GrpoLearner(smallConfig(8).withRefSyncEvery(3), REWARD, new PolicyNetwork(ARCH, 8L));
        PolicyParameters initial = learner.referenceParameters();
        List<TrainingRequest> data = requests(16 * 3, 80);
        learner.update(batch(data, 0, 16));
        learner.update(batch(data, 1, 16));
        assertThat(learner.referenceParameters()).isEqualTo(initial);
        assertThat(learner.policyParameters()).isNotEqualTo(initial);
        learner.update(batch(data, 2, 16));
        assertThat(learner.referenceParameters()).isEqualTo(learner.policyParameters());
    }

    @Test
    void shouldGiveZeroAdvantageToHomogeneousGroupsAndCountThem() {
        List<TrainingRequest> batch = new ArrayList<>(requests(5, 90));
        // identical items: every weight vector ranks them the same, so every sample has the same reward
        double[] flat = new double[ITEMS * TASKS];
        Arrays.fill(flat, 0.3);
        double[] noLabels = new double[ITEMS * TASKS];
        double[] x = new double[FEATURES];
        Arrays.fill(x, 0.5);
        for (int i = 0; i < 3; i++) {
            batch.add(TrainingRequest.of(x, flat, noLabels, ITEMS, TASKS, io.grade.schemas.FusionKind.LOG_LINEAR,
                    new double[] {1e-3, 1e-3, 1e-3, 1e-3}));
        }
        GrpoLearner learner = new GrpoLearner(smallConfig(9), REWARD, new PolicyNetwork(ARCH, 9L));
        UpdateResult r = learner.update(batch);
        assertThat(r.homogeneousGroups()).isEqualTo(3);
        assertThat(r.skipped()).isFalse();

        // a batch of homogeneous groups only carries no signal: with the reference equal to the
        // policy (KL gradient 0) the gradient is exactly 0 and Adam leaves every parameter as it was
        GrpoLearner fresh = new GrpoLearner(smallConfig(9).withInnerEpochs(1), REWARD, new PolicyNetwork(ARCH, 9L));
        PolicyParameters before = fresh.policyParameters();
        UpdateResult onlyHomogeneous = fresh.update(batch.subList(5, 8));
        assertThat(onlyHomogeneous.homogeneousGroups()).isEqualTo(3);
        assertThat(onlyHomogeneous.gradNorm()).isZero();
        assertThat(fresh.policyParameters()).isEqualTo(before);
    }

    @Test
    void shouldSkipAndKeepParametersWhenPolicyOutputIsNotFinite() {
        GrpoLearner learner = new GrpoLearner(smallConfig(10), REWARD, new PolicyNetwork(ARCH, 10L));
        List<TrainingRequest> good = requests(16, 100);
        learner.update(good);
        PolicyParameters before = learner.policyParameters();
        GrpoLearnerState stateBefore = learner.exportState();

        // finite but extreme features overflow the network: the guard must see the NaN/inf output
        List<TrainingRequest> poisoned = new ArrayList<>(good);
        double[] huge = new double[FEATURES];
        Arrays.fill(huge, Double.MAX_VALUE);
        huge[1] = -Double.MAX_VALUE;
        TrainingRequest bad = new TrainingRequest(huge, good.get(0).scores(), good.get(0).labels(), good.get(0).z(),
                ITEMS, TASKS);
        poisoned.set(3, bad);
        double[] pi = new PolicyNetwork(ARCH, before).weights(huge);
        assertThat(Arrays.stream(pi).allMatch(Double::isFinite)).as("precondition: the output overflows").isFalse();

        UpdateResult r = learner.update(poisoned);
        assertThat(r.skipped()).isTrue();
        assertThat(learner.policyParameters()).isEqualTo(before);
        assertThat(learner.skippedUpdates()).isEqualTo(1);
        assertThat(learner.updateCount()).isEqualTo(1);
        assertThat(learner.exportState().adam().step()).isEqualTo(stateBefore.adam().step());

        UpdateResult next = learner.update(good);
        assertThat(next.skipped()).isFalse();
        assertThat(learner.updateCount()).isEqualTo(2);
        assertThat(Double.isFinite(next.loss())).isTrue();
    }

    @Test
    void shouldRaiseRewardWhereOneWeightVectorIsBest() {
        for (long seed = 1; seed <= 3; seed++) {
            assertLearns(ExplorationKind.DIRICHLET, seed);
        }
    }

    @Test
    void shouldRaiseRewardWithGaussianSoftmaxAblation() {
        assertLearns(ExplorationKind.GAUSSIAN_SOFTMAX, 4);
    }

    /**
     * 20 updates of 48 requests with a constant alphaHat (so a rise cannot come from the schedule
     * narrowing exploration). The deterministic policy's reward on 200 held-out requests must rise
     * by more than 5 standard errors of the paired per-request differences, and the sampled reward
     * of the last 5 updates must exceed that of the first 5.
     */
    private static void assertLearns(ExplorationKind kind, long seed) {
        int updates = 20;
        int batch = 48;
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(1000 + seed);
        List<TrainingRequest> train = SyntheticRequests.generate(updates * batch, ITEMS, FEATURES, BEST, 3, rng);
        List<TrainingRequest> heldOut = SyntheticRequests.generate(200, ITEMS, FEATURES, BEST, 3, rng);
        GrpoConfig config = GrpoConfig.defaults().withBatchSize(batch).withLearningRate(1e-2).withSeed(seed)
                .withSchedule(new ConcentrationSchedule(10, 10, 1)).withExploration(kind);
        GrpoLearner learner = new GrpoLearner(config, REWARD, new PolicyNetwork(ARCH, seed));
        double[] before = evaluate(learner.policyParameters(), heldOut);
        double early = 0;
        double late = 0;
        for (int u = 0; u < updates; u++) {
            UpdateResult r = learner.update(batch(train, u, batch));
            assertThat(r.skipped()).isFalse();
            if (u < 5) {
                early += r.meanReward() / 5;
            } else if (u >= updates - 5) {
                late += r.meanReward() / 5;
            }
        }
        double[] after = evaluate(learner.policyParameters(), heldOut);
        double mean = 0;
        for (int i = 0; i < before.length; i++) {
            mean += (after[i] - before[i]) / before.length;
        }
        double ss = 0;
        for (int i = 0; i < before.length; i++) {
            double d = after[i] - before[i] - mean;
            ss += d * d;
        }
        double se = Math.sqrt(ss / (before.length - 1) / before.length);
        assertThat(mean).as("%s seed %d: held-out gain %s, standard error %s", kind, seed, mean, se)
                .isGreaterThan(5 * se).isGreaterThan(0.05);
        assertThat(late).as("%s seed %d sampled reward", kind, seed).isGreaterThan(early + 0.05);
    }

    private static double[] evaluate(PolicyParameters params, List<TrainingRequest> requests) {
        PolicyNetwork net = new PolicyNetwork(ARCH, params);
        double[] x = new double[requests.size() * FEATURES];
        for (int i = 0; i < requests.size(); i++) {
            requests.get(i).copyFeaturesInto(x, i * FEATURES);
        }
        ForwardPass pass = net.forward(Nd4j.create(x, new long[] {requests.size(), FEATURES}, 'c'));
        double[] out = new double[requests.size()];
        for (int i = 0; i < out.length; i++) {
            TrainingRequest r = requests.get(i);
            out[i] = REWARD.prepare(r.z(), r.scores(), r.labels(), r.items(), r.tasks()).total(pass.piRow(i));
        }
        return out;
    }

    @Test
    void shouldRejectMismatchedRequestsAndEmptyBatches() {
        GrpoLearner learner = new GrpoLearner(smallConfig(11), REWARD, new PolicyNetwork(ARCH, 11L));
        assertThatThrownBy(() -> learner.update(List.of())).hasMessageContaining("at least one");
        List<TrainingRequest> wrongDim = SyntheticRequests.generate(2, ITEMS, FEATURES + 1, BEST, 3,
                RandomSource.XO_SHI_RO_256_PP.create(1L));
        assertThatThrownBy(() -> learner.update(wrongDim)).hasMessageContaining("features");
    }

    @Test
    void shouldNameTheOptionWhenConfigIsInvalid() {
        GrpoConfig d = GrpoConfig.defaults();
        assertThat(d.groupSize()).isEqualTo(20);
        assertThat(d.batchSize()).isEqualTo(256);
        assertThat(d.clipEpsilon()).isEqualTo(0.2);
        assertThat(d.klCoef()).isEqualTo(0.04);
        assertThat(d.innerEpochs()).isEqualTo(2);
        assertThat(d.learningRate()).isEqualTo(1e-3);
        assertThat(d.gradClipNorm()).isEqualTo(1.0);
        assertThatThrownBy(() -> d.withGroupSize(1)).hasMessageContaining("groupSize");
        assertThatThrownBy(() -> d.withClipEpsilon(1.5)).hasMessageContaining("clipEpsilon");
        assertThatThrownBy(() -> d.withKlCoef(-1)).hasMessageContaining("klCoef");
        assertThatThrownBy(() -> d.withInnerEpochs(0)).hasMessageContaining("innerEpochs");
        assertThatThrownBy(() -> d.withLearningRate(0)).hasMessageContaining("learningRate");
        assertThatThrownBy(() -> d.withGradClipNorm(Double.NaN)).hasMessageContaining("gradClipNorm");
        assertThatThrownBy(() -> d.withMinRewardStd(-1e-3)).hasMessageContaining("minRewardStd");
        assertThatThrownBy(() -> d.withRefSyncEvery(0)).hasMessageContaining("refSyncEvery");
        assertThatThrownBy(() -> d.withAlphaMin(0)).hasMessageContaining("alphaMin");
        assertThatThrownBy(() -> d.withGaussianSigma(0)).hasMessageContaining("gaussianSigma");
        assertThatThrownBy(() -> d.withBatchSize(0)).hasMessageContaining("batchSize");
    }

    private static List<TrainingRequest> batch(List<TrainingRequest> data, int index, int size) {
        return data.subList(index * size, (index + 1) * size);
    }
}
