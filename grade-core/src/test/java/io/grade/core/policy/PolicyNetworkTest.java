package io.grade.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import java.util.Map;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PolicyNetworkTest {

    /** Relative error bound of the finite-difference check (docs/SPEC.md section 7). */
    private static final double MAX_RELATIVE_ERROR = 1e-4;
    private static final double STEP = 1e-6;
    private static final PolicyArchitecture SMALL = new PolicyArchitecture(5, 3, 4, 4, 3, 1e-3);

    @Test
    void shouldMatchCentralFiniteDifferencesForEveryParameterTensor() {
        PolicyNetwork net = new PolicyNetwork(SMALL, randomParameters(SMALL, 11, 0.6));
        INDArray x = randomMatrix(6, SMALL.featureDim(), 12, 1.0);
        INDArray r = randomMatrix(6, SMALL.tasks(), 13, 1.0);
        // loss = sum_bk r_bk pi_bk, so dLoss/dpi = r
        Gradients analytic = net.backward(net.forward(x), r);
        checkAgainstFiniteDifferences(net, x, analytic, () -> net.forward(x).pi().mul(r).sumNumber().doubleValue());
    }

    @Test
    void shouldMatchCentralFiniteDifferencesThroughTheLogitsForTheGaussianSoftmaxPath() {
        PolicyNetwork net = new PolicyNetwork(SMALL, randomParameters(SMALL, 21, 0.6));
        INDArray x = randomMatrix(5, SMALL.featureDim(), 22, 1.0);
        INDArray r = randomMatrix(5, SMALL.tasks(), 23, 1.0);
        Gradients analytic = net.backwardLogits(net.forward(x), r);
        checkAgainstFiniteDifferences(net, x, analytic, () -> net.forward(x).logits().mul(r).sumNumber().doubleValue());
    }

    /** Compares every entry of every tensor of {@code analytic} with central differences of {@code loss}. */
    static void checkAgainstFiniteDifferences(PolicyNetwork net, INDArray x, Gradients analytic,
                                              java.util.function.DoubleSupplier loss) {
        Map<String, INDArray> params = net.parameterArrays();
        assertThat(analytic.names()).containsExactlyElementsOf(net.architecture().parameterNames());
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray p = e.getValue();
            INDArray g = analytic.get(e.getKey());
            assertThat(g.shape()).as(e.getKey()).isEqualTo(p.shape());
            INDArray flatP = p.reshape(p.length());
            INDArray flatG = g.reshape(g.length());
            int nonZero = 0;
            for (long i = 0; i < p.length(); i++) {
                double original = flatP.getDouble(i);
                flatP.putScalar(i, original + STEP);
                double plus = loss.getAsDouble();
                flatP.putScalar(i, original - STEP);
                double minus = loss.getAsDouble();
                flatP.putScalar(i, original);
                double numeric = (plus - minus) / (2 * STEP);
                double a = flatG.getDouble(i);
                double scale = Math.max(Math.abs(a) + Math.abs(numeric), 1e-7);
                assertThat(Math.abs(a - numeric) / scale)
                        .as("%s[%d]: analytic %s vs numeric %s", e.getKey(), i, a, numeric)
                        .isLessThan(MAX_RELATIVE_ERROR);
                if (Math.abs(a) > 1e-8) {
                    nonZero++;
                }
            }
            // a tensor whose gradient is all zero would pass trivially: the check must exercise it
            assertThat(nonZero).as("non-zero gradient entries of %s", e.getKey()).isGreaterThan(0);
        }
    }

    @Test
    void shouldUpdateTheNetworkWhenItsLiveParameterArraysChange() {
        PolicyNetwork net = new PolicyNetwork(SMALL, 5L);
        INDArray x = randomMatrix(2, SMALL.featureDim(), 6, 1.0);
        INDArray before = net.forward(x).pi().dup();
        net.parameterArrays().get(PolicyArchitecture.OUT_B).putScalar(0, 3.0);
        assertThat(net.parameters().values(PolicyArchitecture.OUT_B)[0]).isEqualTo(3.0);
        assertThat(net.forward(x).pi().getDouble(0, 0)).isGreaterThan(before.getDouble(0, 0) + 0.3);
    }

    @Test
    void shouldLetTheOptimiserUpdateEveryTensorThroughTheLiveArrays() {
        PolicyNetwork net = new PolicyNetwork(SMALL, randomParameters(SMALL, 17, 0.6));
        PolicyParameters before = net.parameters();
        Gradients g = net.backward(net.forward(randomMatrix(4, SMALL.featureDim(), 18, 1.0)),
                randomMatrix(4, SMALL.tasks(), 19, 1.0));
        Gradients ones = g.copy().scale(0.0);
        ones.asMap().values().forEach(a -> a.addi(1.0));
        new io.grade.core.optim.Adam(0.01).step(net.parameterArrays(), ones);
        PolicyParameters after = net.parameters();
        // Adam's first step moves every entry by lr against the sign of its gradient
        for (String name : SMALL.parameterNames()) {
            double[] b = before.values(name);
            double[] a = after.values(name);
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).as("%s[%d]", name, i).isCloseTo(b[i] - 0.01, org.assertj.core.api.Assertions.within(1e-9));
            }
        }
    }

    @Test
    void shouldStartCloseToUniformWeightsOnTheSimplexWithTheFloor() {
        PolicyArchitecture arch = PolicyArchitecture.defaults(16, 4);
        PolicyNetwork net = new PolicyNetwork(arch, 42L);
        INDArray pi = net.forward(randomMatrix(256, 16, 43, 1.0)).pi();
        assertThat(pi.sum(1).sub(1.0).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(pi.minNumber().doubleValue()).isGreaterThanOrEqualTo(arch.epsilonFloor());
        assertThat(pi.sub(0.25).amaxNumber().doubleValue()).isLessThan(0.05);
        assertThat(pi.sub(0.25).amaxNumber().doubleValue()).isGreaterThan(0.0);
    }

    @Test
    void shouldStayFiniteAndOnTheSimplexForHugeLogits() {
        PolicyNetwork net = new PolicyNetwork(SMALL, randomParameters(SMALL, 61, 0.6));
        net.parameterArrays().get(PolicyArchitecture.OUT_B).assign(Nd4j.create(new double[] {800.0, -800.0, 0.0}));
        net.parameterArrays().get(PolicyArchitecture.GATE_B).assign(Nd4j.create(new double[] {900.0, 0.0, -900.0}));
        INDArray pi = net.forward(randomMatrix(8, SMALL.featureDim(), 62, 1.0)).pi();
        assertThat(pi.sum(1).sub(1.0).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(pi.getColumn(0).minNumber().doubleValue()).isCloseTo(1.0 - 2e-3, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(pi.getColumn(1).maxNumber().doubleValue()).isEqualTo(1e-3);
    }

    @Test
    void shouldInitialiseDeterministicallyFromTheSeed() {
        assertThat(new PolicyNetwork(SMALL, 7L).parameters()).isEqualTo(new PolicyNetwork(SMALL, 7L).parameters());
        assertThat(new PolicyNetwork(SMALL, 7L).parameters()).isNotEqualTo(new PolicyNetwork(SMALL, 8L).parameters());
    }

    @Test
    void shouldRoundTripParametersAndCopyDeeply() {
        PolicyParameters p = randomParameters(SMALL, 3, 1.0);
        PolicyNetwork net = new PolicyNetwork(SMALL, p);
        assertThat(net.parameters()).isEqualTo(p);
        PolicyNetwork copy = net.copy();
        net.parameterArrays().get(PolicyArchitecture.GATE_W).addi(1.0);
        assertThat(copy.parameters()).isEqualTo(p);
        assertThat(net.parameters()).isNotEqualTo(p);
        net.setParameters(p);
        assertThat(net.parameters()).isEqualTo(p);
    }

    @Test
    void shouldRejectInputOfTheWrongShapeOrType() {
        PolicyNetwork net = new PolicyNetwork(SMALL, 1L);
        assertThatThrownBy(() -> net.forward(Nd4j.zeros(DataType.DOUBLE, 2, 4))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("B x 5");
        assertThatThrownBy(() -> net.forward(Nd4j.zeros(DataType.FLOAT, 2, 5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DOUBLE");
        ForwardPass fp = net.forward(Nd4j.zeros(DataType.DOUBLE, 2, 5));
        assertThatThrownBy(() -> net.backward(fp, Nd4j.zeros(DataType.DOUBLE, 3, 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldConfigureNd4jForSingleThreadedSmallMatrices() {
        new PolicyNetwork(SMALL, 1L);
        assertThat(Nd4jRuntime.blasThreads()).isEqualTo(1);
    }

    /** Every tensor filled with N(0, std^2) from a seeded generator (non-zero biases exercise every path). */
    static PolicyParameters randomParameters(PolicyArchitecture arch, long seed, double std) {
        ZigguratSampler.NormalizedGaussian g = ZigguratSampler.NormalizedGaussian.of(RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        PolicyParameters.Builder b = PolicyParameters.builder();
        arch.parameterShapes().forEach((name, shape) -> {
            int size = 1;
            for (int s : shape) {
                size *= s;
            }
            double[] v = new double[size];
            for (int i = 0; i < size; i++) {
                v[i] = std * g.sample();
            }
            b.put(name, shape, v);
        });
        return b.build();
    }

    static INDArray randomMatrix(int rows, int cols, long seed, double std) {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        ZigguratSampler.NormalizedGaussian g = ZigguratSampler.NormalizedGaussian.of(rng);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * g.sample();
        }
        return Nd4j.create(v, new long[] {rows, cols}, 'c');
    }
}
