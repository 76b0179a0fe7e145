package io.grade.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientsTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void shouldComputeTheGlobalNormOverAllTensors() {
        assertThat(grads(new double[] {1, 2}, new double[] {2, 4}).globalNorm()).isCloseTo(5.0, within(TOLERANCE));
    }

    @Test
    void shouldScaleAndAddInPlace() {
        Gradients a = grads(new double[] {1, 2}, new double[] {3, 4});
        Gradients b = grads(new double[] {10, 20}, new double[] {30, 40});
        assertThat(a.scale(2.0).add(b)).isSameAs(a);
        assertThat(a.get("w").toDoubleMatrix()[0]).containsExactly(12.0, 24.0);
        assertThat(a.get("b").toDoubleVector()).containsExactly(36.0, 48.0);
        assertThat(b.get("w").toDoubleMatrix()[0]).containsExactly(10.0, 20.0);
    }

    @Test
    void shouldKeepTheCanonicalOrder() {
        assertThat(grads(new double[] {1}, new double[] {1}).names()).containsExactly("w", "b");
    }

    @Test
    void shouldDetectNaNAndInfinityButNotHugeFiniteEntries() {
        assertThat(grads(new double[] {1, 2}, new double[] {3, 4}).isFinite()).isTrue();
        assertThat(grads(new double[] {1, Double.NaN}, new double[] {3, 4}).isFinite()).isFalse();
        assertThat(grads(new double[] {1, 2}, new double[] {Double.NEGATIVE_INFINITY, 4}).isFinite()).isFalse();
        // the L1 norm of these overflows, the entries do not
        assertThat(grads(new double[] {1e308, 1e308}, new double[] {1e308, 1e308}).isFinite()).isTrue();
        assertThat(grads(new double[] {1e308, Double.NaN}, new double[] {1e308, 1e308}).isFinite()).isFalse();
    }

    @Test
    void shouldRefuseToAddGradientsOfOtherTensors() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.create(new double[] {1, 2}, new long[] {1, 2}, 'c'));
        assertThatThrownBy(() -> grads(new double[] {1, 2}, new double[] {3, 4}).add(new Gradients(m)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldCopyDeeply() {
        Gradients a = grads(new double[] {1, 2}, new double[] {3, 4});
        Gradients c = a.copy();
        a.scale(0.0);
        assertThat(c.get("b").toDoubleVector()).containsExactly(3.0, 4.0);
    }

    private static Gradients grads(double[] w, double[] b) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.create(w, new long[] {1, w.length}, 'c'));
        m.put("b", Nd4j.create(b, new long[] {b.length}, 'c'));
        return new Gradients(m);
    }
}
