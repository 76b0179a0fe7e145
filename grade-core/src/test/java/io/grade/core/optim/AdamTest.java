package io.grade.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.core.policy.Gradients;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void shouldFollowTheTextbookUpdateWithBiasCorrection() {
        double lr = 0.1;
        Map<String, INDArray> params = params(new double[] {1.0, -2.0}, new double[] {0.5});
        Adam adam = new Adam(lr);
        double[][] grads = {{0.3, -1.5, 2.0}, {-0.1, 0.4, 1.0}, {0.2, 0.2, -3.0}};
        // reference: the textbook form on plain doubles
        double[] p = {1.0, -2.0, 0.5};
        double[] m = new double[3];
        double[] v = new double[3];
        for (int t = 1; t <= grads.length; t++) {
            double[] g = grads[t - 1];
            adam.step(params, gradients(new double[] {g[0], g[1]}, new double[] {g[2]}));
            for (int i = 0; i < 3; i++) {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(0.9, t));
                double vHat = v[i] / (1 - Math.pow(0.999, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
            }
        }
        assertThat(params.get("w").getDouble(0)).isCloseTo(p[0], within(TOLERANCE));
        assertThat(params.get("w").getDouble(1)).isCloseTo(p[1], within(TOLERANCE));
        assertThat(params.get("b").getDouble(0)).isCloseTo(p[2], within(TOLERANCE));
        assertThat(adam.stepCount()).isEqualTo(3);
    }

    @Test
    void shouldMoveEachParameterByAboutTheLearningRateOnTheFirstStep() {
        Map<String, INDArray> params = params(new double[] {0.0, 0.0}, new double[] {0.0});
        new Adam(0.01).step(params, gradients(new double[] {5.0, -0.001}, new double[] {1e3}));
        assertThat(params.get("w").getDouble(0)).isCloseTo(-0.01, within(1e-9));
        assertThat(params.get("w").getDouble(1)).isCloseTo(0.01, within(1e-6));
        assertThat(params.get("b").getDouble(0)).isCloseTo(-0.01, within(1e-9));
    }

    @Test
    void shouldMinimiseAQuadratic() {
        Map<String, INDArray> params = params(new double[] {3.0, -4.0}, new double[] {10.0});
        Adam adam = new Adam(0.05);
        for (int i = 0; i < 2000; i++) {
            // f = sum (p - 1)^2, gradient 2 (p - 1)
            adam.step(params, gradients(params.get("w").sub(1.0).mul(2.0).toDoubleVector(),
                    params.get("b").sub(1.0).mul(2.0).toDoubleVector()));
        }
        assertThat(params.get("w").sub(1.0).amaxNumber().doubleValue()).isLessThan(1e-3);
        assertThat(params.get("b").sub(1.0).amaxNumber().doubleValue()).isLessThan(1e-3);
    }

    @Test
    void shouldResumeIdenticallyFromExportedState() {
        double[][] grads = {{0.3, -1.5, 2.0}, {-0.1, 0.4, 1.0}, {0.2, 0.2, -3.0}, {1.0, 1.0, 1.0}};
        Map<String, INDArray> straight = params(new double[] {1.0, 2.0}, new double[] {3.0});
        Adam a = new Adam(0.1);
        for (double[] g : grads) {
            a.step(straight, gradients(new double[] {g[0], g[1]}, new double[] {g[2]}));
        }
        Map<String, INDArray> resumed = params(new double[] {1.0, 2.0}, new double[] {3.0});
        Adam first = new Adam(0.1);
        for (int i = 0; i < 2; i++) {
            first.step(resumed, gradients(new double[] {grads[i][0], grads[i][1]}, new double[] {grads[i][2]}));
        }
        Adam.State state = first.exportState();
        // the export is a copy: later steps of the source must not change it
        first.step(resumed, gradients(new double[] {9, 9}, new double[] {9}));
        Map<String, INDArray> restoredParams = params(new double[] {0, 0}, new double[] {0});
        restoredParams.get("w").assign(resumedAfter(grads, 2).get("w"));
        restoredParams.get("b").assign(resumedAfter(grads, 2).get("b"));
        Adam second = new Adam(0.1);
        second.importState(state, restoredParams);
        assertThat(second.stepCount()).isEqualTo(2);
        for (int i = 2; i < grads.length; i++) {
            second.step(restoredParams, gradients(new double[] {grads[i][0], grads[i][1]}, new double[] {grads[i][2]}));
        }
        assertThat(restoredParams.get("w").toDoubleVector()).containsExactly(straight.get("w").toDoubleVector());
        assertThat(restoredParams.get("b").toDoubleVector()).containsExactly(straight.get("b").toDoubleVector());
    }

    private static Map<String, INDArray> resumedAfter(double[][] grads, int steps) {
        Map<String, INDArray> p = params(new double[] {1.0, 2.0}, new double[] {3.0});
        Adam a = new Adam(0.1);
        for (int i = 0; i < steps; i++) {
            a.step(p, gradients(new double[] {grads[i][0], grads[i][1]}, new double[] {grads[i][2]}));
        }
        return p;
    }

    @Test
    void shouldRejectNonFiniteOrMismatchedGradientsWithoutChangingAnything() {
        Map<String, INDArray> params = params(new double[] {1.0, 2.0}, new double[] {3.0});
        Adam adam = new Adam(0.1);
        assertThatThrownBy(() -> adam.step(params, gradients(new double[] {Double.NaN, 0}, new double[] {0})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-finite");
        Map<String, INDArray> other = new LinkedHashMap<>();
        other.put("w", Nd4j.zeros(DataType.DOUBLE, 2));
        assertThatThrownBy(() -> adam.step(params, new Gradients(other))).isInstanceOf(IllegalArgumentException.class);
        assertThat(adam.stepCount()).isZero();
        assertThat(params.get("w").toDoubleVector()).containsExactly(1.0, 2.0);
    }

    @Test
    void shouldRejectInvalidHyperParameters() {
        assertThatThrownBy(() -> new Adam(0)).hasMessageContaining("learningRate");
        assertThatThrownBy(() -> new Adam(0.1, 1.0, 0.999, 1e-8)).hasMessageContaining("beta1");
        assertThatThrownBy(() -> new Adam(0.1, 0.9, -0.1, 1e-8)).hasMessageContaining("beta2");
    }

    static Map<String, INDArray> params(double[] w, double[] b) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.create(w.clone(), new long[] {w.length}, 'c'));
        m.put("b", Nd4j.create(b.clone(), new long[] {b.length}, 'c'));
        return m;
    }

    static Gradients gradients(double[] w, double[] b) {
        return new Gradients(params(w, b));
    }
}
