package io.grade.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.core.data.TrainingRequest;
import io.grade.model.policy.PolicyArchitecture;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LambdaLossTest {

    /** Expected values come from src/test/resources/expected/lambdaloss_expected.py. */
    private static final double TOLERANCE = 1e-12;
    private static final double MAX_RELATIVE_ERROR = 1e-4;

    private static final double[] Z3 = {0.2, -1.0, 1.0, 0.5, 0.4, 0.3};
    private static final double[] GAINS3 = {2.0, 0.0, 1.0};
    private static final double[] PI3 = {0.3, 0.7};

    @Test
    void shouldWeightTheOnlyPairByItsRankDeltaForTwoItems() {
        double[] grad = new double[1];
        double loss = new LambdaLoss().requestLoss(new double[] {1.0, 0.0}, 2, 1, new double[] {1.0, 0.0},
                new double[] {1.0}, grad);
        double delta = 1.0 - 1.0 / (Math.log(3) / Math.log(2));
        assertThat(loss).isCloseTo(delta * Math.log1p(Math.exp(-1)) / Math.log(2), within(TOLERANCE));
        assertThat(loss).isCloseTo(0.16679800690464297, within(TOLERANCE));
    }

    @Test
    void shouldMatchTheReferenceScriptWithExponentialAndLinearGains() {
        double[] grad = new double[2];
        assertThat(new LambdaLoss().requestLoss(Z3, 3, 2, GAINS3, PI3, grad))
                .isCloseTo(0.7450156347029493, within(TOLERANCE));
        assertThat(new LambdaLoss(1.0, LambdaLoss.Gain.LINEAR).requestLoss(Z3, 3, 2, GAINS3, PI3, grad))
                .isCloseTo(0.6567545352880428, within(TOLERANCE));
    }

    @Test
    void shouldMatchCentralFiniteDifferencesWithRespectToPi() {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(99);
        for (LambdaLoss loss : List.of(new LambdaLoss(), new LambdaLoss(2.0, LambdaLoss.Gain.LINEAR))) {
            for (int trial = 0; trial < 20; trial++) {
                int items = 3 + rng.nextInt(10);
                int tasks = 2 + rng.nextInt(3);
                double[] z = new double[items * tasks];
                for (int i = 0; i < z.length; i++) {
                    z[i] = rng.nextDouble() * 4 - 2;
                }
                double[] gains = new double[items];
                for (int j = 0; j < items; j++) {
                    gains[j] = rng.nextInt(4);
                }
                gains[0] = 3;
                double[] pi = new double[tasks];
                for (int k = 0; k < tasks; k++) {
                    pi[k] = 0.05 + rng.nextDouble();
                }
                double[] analytic = new double[tasks];
                loss.requestLoss(z, items, tasks, gains, pi, analytic);
                double[] scratch = new double[tasks];
                double h = 1e-6;
                for (int k = 0; k < tasks; k++) {
                    double orig = pi[k];
                    pi[k] = orig + h;
                    double plus = loss.requestLoss(z, items, tasks, gains, pi, scratch);
                    pi[k] = orig - h;
                    double minus = loss.requestLoss(z, items, tasks, gains, pi, scratch);
                    pi[k] = orig;
                    double numeric = (plus - minus) / (2 * h);
                    double scale = Math.max(Math.abs(analytic[k]) + Math.abs(numeric), 1e-7);
                    assertThat(Math.abs(analytic[k] - numeric) / scale)
                            .as("trial %d task %d: analytic %s numeric %s", trial, k, analytic[k], numeric)
                            .isLessThan(MAX_RELATIVE_ERROR);
                }
            }
        }
    }

    @Test
    void shouldBackpropagateThroughThePolicyNetworkToMatchFiniteDifferences() {
        PolicyArchitecture arch = new PolicyArchitecture(3, 2, 4, 4, 2, 1e-3);
        PolicyNetwork net = new PolicyNetwork(arch, PolicyNetworkTest.randomParameters(arch, 51, 0.8));
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(52);
        List<TrainingRequest> batch = new java.util.ArrayList<>();
        for (int r = 0; r < 4; r++) {
            double[] x = {rng.nextDouble() * 2 - 1, rng.nextDouble() * 2 - 1, rng.nextDouble() * 2 - 1};
            double[] z = new double[6 * 2];
            for (int i = 0; i < z.length; i++) {
                z[i] = rng.nextDouble() * 6 - 3;
            }
            double[] labels = new double[6 * 2];
            for (int j = 0; j < 6; j++) {
                labels[j * 2] = rng.nextInt(3);
                labels[j * 2 + 1] = rng.nextInt(2);
            }
            batch.add(new TrainingRequest(x, new double[12], labels, z, 6, 2));
        }
        INDArray x = SupervisedPretrainer.features(batch, 3);
        double[] c = {1.0, 0.5};
        LambdaLoss loss = new LambdaLoss();
        Gradients analytic = net.backward(net.forward(x), loss.compute(net.forward(x).pi(), batch, c).dLossDPi());
        PolicyNetworkTest.checkAgainstFiniteDifferences(net, x, analytic,
                () -> loss.compute(net.forward(x).pi(), batch, c).loss());
    }

    @Test
    void shouldIgnoreRequestsWithoutAnyPositiveGain() {
        double[] grad = {7.0, 7.0};
        double loss = new LambdaLoss().requestLoss(Z3, 3, 2, new double[3], PI3, grad);
        assertThat(loss).isZero();
        assertThat(grad).containsExactly(0.0, 0.0);
    }

    @Test
    void shouldBeLowerWhenTheWeightsRankTheBestItemFirst() {
        // task 0 puts item 0 (gain 2) above item 2 (gain 1) above item 1 (gain 0): the right order
        double[] z = {3.0, 0.0, 0.0, 3.0, 1.0, 1.0};
        double[] grad = new double[2];
        LambdaLoss loss = new LambdaLoss();
        double good = loss.requestLoss(z, 3, 2, GAINS3, new double[] {0.9, 0.1}, grad);
        // descending the loss moves weight towards task 0
        assertThat(grad[0]).isLessThan(grad[1]);
        double bad = loss.requestLoss(z, 3, 2, GAINS3, new double[] {0.1, 0.9}, grad);
        assertThat(good).isLessThan(bad);
    }

    @Test
    void shouldAverageTheBatchAndScaleEachRowsGradientByOneOverB() {
        TrainingRequest a = request(Z3, GAINS3);
        TrainingRequest empty = request(Z3, new double[3]);
        INDArray pi = Nd4j.create(new double[] {0.3, 0.7, 0.5, 0.5}, new long[] {2, 2}, 'c');
        LambdaLoss loss = new LambdaLoss();
        LambdaLoss.Result result = loss.compute(pi, List.of(a, empty), new double[] {1.0, 1.0});
        double[] single = new double[2];
        double l = loss.requestLoss(Z3, 3, 2, GAINS3, PI3, single);
        assertThat(result.loss()).isCloseTo(l / 2, within(TOLERANCE));
        assertThat(result.contributing()).isEqualTo(1);
        assertThat(result.dLossDPi().getDouble(0, 0)).isCloseTo(single[0] / 2, within(TOLERANCE));
        assertThat(result.dLossDPi().getDouble(0, 1)).isCloseTo(single[1] / 2, within(TOLERANCE));
        assertThat(result.dLossDPi().getRow(1).amaxNumber().doubleValue()).isZero();
    }

    @Test
    void shouldUseTaskImportanceInTheGains() {
        // labels: item 0 positive for task 0 only, item 1 for task 1 only; c decides which is better
        double[] labels = {1, 0, 0, 1};
        double[] z = {1.0, 0.0, 0.0, 1.0};
        TrainingRequest r = new TrainingRequest(new double[] {1.0}, new double[] {0.5, 0.5, 0.5, 0.5}, labels, z, 2, 2);
        INDArray pi = Nd4j.create(new double[] {0.5, 0.5}, new long[] {1, 2}, 'c');
        LambdaLoss.Result task0 = new LambdaLoss().compute(pi, List.of(r), new double[] {2.0, 1.0});
        LambdaLoss.Result task1 = new LambdaLoss().compute(pi, List.of(r), new double[] {1.0, 2.0});
        assertThat(task0.dLossDPi().getDouble(0, 0)).isLessThan(task0.dLossDPi().getDouble(0, 1));
        assertThat(task1.dLossDPi().getDouble(0, 1)).isLessThan(task1.dLossDPi().getDouble(0, 0));
    }

    private static TrainingRequest request(double[] z, double[] gains) {
        double[] labels = new double[6];
        for (int j = 0; j < 3; j++) {
            labels[j * 2] = gains[j];
        }
        return new TrainingRequest(new double[] {1.0, 2.0}, new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, labels, z, 3, 2);
    }
}
