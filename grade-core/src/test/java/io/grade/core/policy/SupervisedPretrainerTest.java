package io.grade.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.core.data.TrainingRequest;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.schemas.FusionKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class SupervisedPretrainerTest {

    private static final int ITEMS = 10;
    private static final int TASKS = 2;
    private static final int NDCG_K = 5;
    private static final double[] IMPORTANCE = {1.0, 1.0};
    private static final PolicyArchitecture ARCH = new PolicyArchitecture(4, 2, 8, 8, TASKS, 1e-3);

    /**
     * A world where the right fusion weights depend on one feature: when x0 > 0 the items users
     * engage with are the ones task 0 scores highest, otherwise those task 1 scores highest. The
     * other features are noise. Labels: the three most relevant items get a click (on task 0).
     */
    static List<TrainingRequest> world(int requests, long seed) {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        List<TrainingRequest> out = new ArrayList<>(requests);
        for (int r = 0; r < requests; r++) {
            double[] x = new double[ARCH.featureDim()];
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextDouble() * 2 - 1;
            }
            int driver = x[0] > 0 ? 0 : 1;
            double[] scores = new double[ITEMS * TASKS];
            double[] relevance = new double[ITEMS];
            for (int j = 0; j < ITEMS; j++) {
                for (int k = 0; k < TASKS; k++) {
                    scores[j * TASKS + k] = 0.01 + 0.98 * rng.nextDouble();
                }
                relevance[j] = scores[j * TASKS + driver];
            }
            double[] sorted = relevance.clone();
            Arrays.sort(sorted);
            double threshold = sorted[ITEMS - 3];
            double[] labels = new double[ITEMS * TASKS];
            for (int j = 0; j < ITEMS; j++) {
                labels[j * TASKS] = relevance[j] >= threshold ? 1.0 : 0.0;
            }
            out.add(TrainingRequest.of(x, scores, labels, ITEMS, TASKS, FusionKind.LOG_LINEAR, new double[] {1e-3, 1e-3}));
        }
        return out;
    }

    private static SupervisedPretrainer.Config config(long seed) {
        return new SupervisedPretrainer.Config(8, 64, 1e-2, 1.0, seed, IMPORTANCE, new LambdaLoss());
    }

    /** Trained once for the tests that inspect the outcome: training is the slow part. */
    private static PolicyNetwork cold;
    private static SupervisedPretrainer.Result result;

    @BeforeAll
    static void pretrainOnce() {
        cold = new PolicyNetwork(ARCH, 7L);
        result = new SupervisedPretrainer(config(7L)).fit(cold, world(600, 1));
    }

    @Test
    void shouldRaiseHeldOutNdcgWellBeyondTheColdStartNetwork() {
        List<TrainingRequest> test = world(500, 2);

        double[] diff = pairedNdcgDifference(result.network(), cold, test);
        double mean = Arrays.stream(diff).average().orElseThrow();
        double sd = Math.sqrt(Arrays.stream(diff).map(d -> (d - mean) * (d - mean)).sum() / (diff.length - 1));
        double standardError = sd / Math.sqrt(diff.length);
        double coldNdcg = SupervisedPretrainer.meanNdcg(cold, test, IMPORTANCE, NDCG_K);
        double trainedNdcg = SupervisedPretrainer.meanNdcg(result.network(), test, IMPORTANCE, NDCG_K);
        // paired per-request improvement: large in absolute terms and far outside sampling noise
        assertThat(mean).as("cold %s, trained %s", coldNdcg, trainedNdcg).isGreaterThan(0.1);
        assertThat(mean / standardError).isGreaterThan(8.0);
        assertThat(trainedNdcg).isGreaterThan(0.9);
        assertThat(result.epochLoss()[result.epochLoss().length - 1]).isLessThan(result.epochLoss()[0]);
        assertThat(result.skippedSteps()).isZero();
    }

    @Test
    void shouldLearnWeightsThatFollowTheDrivingFeature() {
        PolicyNetwork net = result.network();
        double[] positive = net.weights(new double[] {0.8, 0.0, 0.0, 0.0});
        double[] negative = net.weights(new double[] {-0.8, 0.0, 0.0, 0.0});
        assertThat(positive[0]).isGreaterThan(positive[1]);
        assertThat(negative[1]).isGreaterThan(negative[0]);
    }

    @Test
    void shouldBeDeterministicForASeedAndLeaveTheInitialNetworkUntouched() {
        List<TrainingRequest> data = world(200, 9);
        PolicyNetwork initial = new PolicyNetwork(ARCH, 1L);
        var before = initial.parameters();
        SupervisedPretrainer.Config cfg = new SupervisedPretrainer.Config(2, 32, 1e-2, 1.0, 4L, IMPORTANCE, new LambdaLoss());
        PolicyNetwork a = new SupervisedPretrainer(cfg).fit(initial, data).network();
        PolicyNetwork b = new SupervisedPretrainer(cfg).fit(initial, data).network();
        assertThat(a.parameters()).isEqualTo(b.parameters());
        assertThat(a.parameters()).isNotEqualTo(before);
        assertThat(initial.parameters()).isEqualTo(before);
    }

    @Test
    void shouldLeaveTheNetworkUnchangedWhenNoRequestHasAPositiveLabel() {
        List<TrainingRequest> unlabelled = new ArrayList<>();
        for (TrainingRequest r : world(50, 11)) {
            unlabelled.add(new TrainingRequest(r.features(), r.scores(), new double[ITEMS * TASKS], r.z(), ITEMS, TASKS));
        }
        PolicyNetwork initial = new PolicyNetwork(ARCH, 1L);
        PolicyNetwork trained = new SupervisedPretrainer(config(1L)).fit(initial, unlabelled).network();
        assertThat(trained.parameters()).isEqualTo(initial.parameters());
    }

    @Test
    void shouldRejectDataThatDoesNotFitTheArchitecture() {
        TrainingRequest wrongDim = new TrainingRequest(new double[3], new double[ITEMS * TASKS],
                new double[ITEMS * TASKS], new double[ITEMS * TASKS], ITEMS, TASKS);
        assertThatThrownBy(() -> new SupervisedPretrainer(config(1L)).fit(ARCH, List.of(wrongDim)))
                .hasMessageContaining("d=3");
        assertThatThrownBy(() -> new SupervisedPretrainer.Config(0, 1, 1e-3, 1.0, 1L, IMPORTANCE, new LambdaLoss()))
                .hasMessageContaining("epochs");
    }

    private static double[] pairedNdcgDifference(PolicyNetwork a, PolicyNetwork b, List<TrainingRequest> data) {
        double[] diff = new double[data.size()];
        INDArray x = SupervisedPretrainer.features(data, ARCH.featureDim());
        INDArray piA = a.forward(x).pi();
        INDArray piB = b.forward(x).pi();
        for (int r = 0; r < data.size(); r++) {
            TrainingRequest req = data.get(r);
            double[] gains = req.gains(IMPORTANCE);
            double na = SupervisedPretrainer.ndcg(req.z(), ITEMS, TASKS, piA.getRow(r).toDoubleVector(), gains, NDCG_K);
            double nb = SupervisedPretrainer.ndcg(req.z(), ITEMS, TASKS, piB.getRow(r).toDoubleVector(), gains, NDCG_K);
            diff[r] = na - nb;
        }
        return diff;
    }
}
