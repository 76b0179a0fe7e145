package io.grade.core.grpo;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.core.explore.DirichletExploration;
import io.grade.core.explore.Exploration;
import io.grade.core.explore.GaussianSoftmaxExploration;
import io.grade.core.policy.ForwardPass;
import io.grade.core.policy.Gradients;
import io.grade.core.policy.PolicyNetwork;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import java.util.Map;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole GRPO loss (clipped surrogate + closed-form KL) differentiated through the policy
 * network, checked against central differences for every entry of every parameter tensor
 * (docs/SPEC.md section 7), with samples, old log densities, advantages and the reference fixed.
 */
class GrpoGradientCheckTest {

    private static final double GRADIENT_TOLERANCE = 1e-4;
    private static final double H = 1e-6;
    private static final PolicyArchitecture ARCH = new PolicyArchitecture(5, 2, 4, 4, 3, 1e-3);
    private static final int B = 4;
    private static final int G = 6;
    private static final double EPS = 0.2;
    private static final double KL_COEF = 0.3;

    @Test
    void shouldMatchCentralDifferencesForEveryParameterWithDirichlet() {
        check(new DirichletExploration(0.1), 8.0, 31L);
    }

    @Test
    void shouldMatchCentralDifferencesForEveryParameterWithGaussianSoftmax() {
        check(new GaussianSoftmaxExploration(0.4), 0.0, 32L);
    }

    private static void check(Exploration ex, double alphaHat, long seed) {
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(seed);
        ZigguratSampler.NormalizedGaussian gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        PolicyParameters oldParams = PolicyNetwork.initialParameters(ARCH, seed);
        // output layer scaled up so pi is far from uniform and the current policy differs from old
        PolicyNetwork old = new PolicyNetwork(ARCH, perturb(oldParams, gauss, 0.5));
        PolicyNetwork current = new PolicyNetwork(ARCH, perturb(old.parameters(), gauss, 0.3));
        PolicyNetwork reference = new PolicyNetwork(ARCH, perturb(old.parameters(), gauss, 0.3));
        double[] xs = new double[B * ARCH.featureDim()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = gauss.sample();
        }
        INDArray x = Nd4j.create(xs, new long[] {B, ARCH.featureDim()}, 'c');
        int n = ARCH.tasks();
        double[] oldHead = head(ex, old.forward(x));
        double[] refHead = head(ex, reference.forward(x));
        double[] weights = new double[B * G * n];
        double[] stats = new double[B * G * n];
        double[] logpOld = new double[B * G];
        for (int b = 0; b < B; b++) {
            ex.sample(oldHead, b, n, alphaHat, G, rng, weights, b * G * n, stats, b * G * n);
            ex.logDensities(oldHead, b, n, alphaHat, stats, b * G * n, G, logpOld, b * G);
        }
        double[] adv = new double[B * G];
        for (int i = 0; i < adv.length; i++) {
            adv[i] = gauss.sample();
        }

        ForwardPass pass = current.forward(x);
        double[] dHead = new double[B * n];
        GrpoLoss.Value value = GrpoLoss.evaluate(ex, head(ex, pass), refHead, B, n, G, alphaHat, stats, logpOld, adv,
                EPS, KL_COEF, new double[B * G], new double[B * G], dHead);
        assertThat(value.clipped()).as("both clip branches exercised").isBetween(1, B * G - 1);
        INDArray upstream = Nd4j.create(dHead, new long[] {B, n}, 'c');
        Gradients grads = ex.head() == Exploration.Head.PI ? current.backward(pass, upstream)
                : current.backwardLogits(pass, upstream);

        for (Map.Entry<String, INDArray> e : current.parameterArrays().entrySet()) {
            INDArray p = e.getValue();
            INDArray analytic = grads.get(e.getKey());
            for (long i = 0; i < p.length(); i++) {
                double original = p.getDouble(i);
                double h = H * Math.max(1, Math.abs(original));
                p.putScalar(i, original + h);
                double plus = loss(ex, current, x, refHead, alphaHat, stats, logpOld, adv);
                p.putScalar(i, original - h);
                double minus = loss(ex, current, x, refHead, alphaHat, stats, logpOld, adv);
                p.putScalar(i, original);
                double numeric = (plus - minus) / (2 * h);
                double a = analytic.getDouble(i);
                double rel = Math.abs(a - numeric) / Math.max(1e-8, Math.max(Math.abs(a), Math.abs(numeric)));
                assertThat(rel).as("%s[%d]: analytic %s numeric %s", e.getKey(), i, a, numeric)
                        .isLessThan(GRADIENT_TOLERANCE);
            }
        }
    }

    private static double loss(Exploration ex, PolicyNetwork net, INDArray x, double[] refHead, double alphaHat,
                               double[] stats, double[] logpOld, double[] adv) {
        int n = ARCH.tasks();
        return GrpoLoss.evaluate(ex, head(ex, net.forward(x)), refHead, B, n, G, alphaHat, stats, logpOld, adv, EPS,
                KL_COEF, new double[B * G], new double[B * G], new double[B * n]).loss();
    }

    private static double[] head(Exploration ex, ForwardPass pass) {
        INDArray a = ex.head() == Exploration.Head.PI ? pass.pi() : pass.logits();
        return a.dup('c').data().asDouble();
    }

    private static PolicyParameters perturb(PolicyParameters p, ZigguratSampler.NormalizedGaussian gauss, double std) {
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (String name : p.names()) {
            double[] v = p.values(name);
            for (int i = 0; i < v.length; i++) {
                v[i] += std * gauss.sample();
            }
            b.put(name, p.shape(name), v);
        }
        return b.build();
    }
}
