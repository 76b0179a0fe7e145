package io.grade.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.core.optim.Adam;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The flat parameter buffer and the one-op paths built on it (gradient norm, scaling, finiteness,
 * Adam, snapshots) against the per-tensor reference paths they replace.
 */
class FlatParametersTest {

    private static final PolicyArchitecture ARCH = new PolicyArchitecture(5, 3, 4, 6, 3, 1e-3);

    @Test
    void namedTensorsShouldBeLiveViewsOfTheFlatBuffer() {
        PolicyNetwork net = new PolicyNetwork(ARCH, 3L);
        PolicyParameters p = net.parameters();
        ParameterLayout layout = net.layout();
        assertThat(layout.length()).isEqualTo(p.names().stream().mapToInt(n -> p.values(n).length).sum());
        assertThat(layout.names()).containsExactlyElementsOf(ARCH.parameterShapes().keySet());
        // every parameter value appears exactly once in the buffer, at its tensor's view
        INDArray flat = net.parameterBuffer();
        for (String name : layout.names()) {
            INDArray view = net.parameterArrays().get(name);
            assertThat(view.dup().data().asDouble()).containsExactly(p.values(name));
            assertThat(layout.view(flat, name).dup().data().asDouble()).containsExactly(p.values(name));
        }
        // writing through the buffer changes the tensors and vice versa
        flat.addi(1.0);
        for (String name : layout.names()) {
            double[] expected = p.values(name).clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] += 1.0;
            }
            assertThat(net.parameters().values(name)).containsExactly(expected);
        }
        net.parameterArrays().get(PolicyArchitecture.TOWER_B).putScalar(2, 42.0);
        assertThat(flat.getDouble(layoutOffsetOf(net, PolicyArchitecture.TOWER_B) + 2)).isEqualTo(42.0);
    }

    @Test
    void copyParametersFromShouldGiveTheSameNetwork() {
        PolicyNetwork a = new PolicyNetwork(ARCH, 1L);
        PolicyNetwork b = new PolicyNetwork(ARCH, 2L);
        b.copyParametersFrom(a);
        for (String name : ARCH.parameterShapes().keySet()) {
            assertThat(b.parameters().values(name)).containsExactly(a.parameters().values(name));
        }
        PolicyNetwork other = new PolicyNetwork(new PolicyArchitecture(5, 2, 4, 6, 3, 1e-3), 1L);
        assertThatThrownBy(() -> other.copyParametersFrom(a)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void flatGradientOpsShouldEqualThePerTensorOps() {
        PolicyNetwork net = new PolicyNetwork(ARCH, 5L);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 7, 5).subi(0.5);
        ForwardPass fp = net.forward(x);
        Gradients flat = net.backward(fp, Nd4j.rand(DataType.DOUBLE, 7, 3).subi(0.5));
        assertThat(flat.flat()).isNotNull();
        Gradients separate = separateCopy(flat);
        assertThat(flat.globalNorm()).isCloseTo(separate.globalNorm(), within(1e-12));
        assertThat(flat.isFinite()).isTrue();
        flat.scale(0.25);
        separate.scale(0.25);
        assertSameValues(flat, separate);
        flat.add(flat.copy());
        separate.add(separateCopy(separate));
        assertSameValues(flat, separate);
        flat.flat().putScalar(3, Double.NaN);
        assertThat(flat.isFinite()).isFalse();
        flat.flat().putScalar(3, Double.POSITIVE_INFINITY);
        assertThat(flat.isFinite()).isFalse();
        flat.flat().assign(Double.MAX_VALUE);
        assertThat(flat.isFinite()).as("huge but finite entries overflow the L1 norm only").isTrue();
    }

    @Test
    void flatAdamShouldGiveBitIdenticalParametersAndStateToThePerTensorAdam() {
        PolicyNetwork flatNet = new PolicyNetwork(ARCH, 9L);
        PolicyNetwork mapNet = new PolicyNetwork(ARCH, 9L);
        Adam flatAdam = new Adam(0.01);
        Adam mapAdam = new Adam(0.01);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 11, 5).subi(0.5);
        for (int step = 0; step < 5; step++) {
            INDArray up = Nd4j.rand(DataType.DOUBLE, 11, 3).subi(0.5);
            Gradients gf = flatNet.backward(flatNet.forward(x), up);
            Gradients gm = separateCopy(mapNet.backward(mapNet.forward(x), up));
            assertSameValues(gf, gm);
            flatAdam.step(flatNet.parameterBuffer(), flatNet.layout(), gf);
            mapAdam.step(mapNet.parameterArrays(), gm);
            for (String name : ARCH.parameterShapes().keySet()) {
                assertThat(flatNet.parameters().values(name)).as("step %d %s", step, name)
                        .containsExactly(mapNet.parameters().values(name));
            }
        }
        Adam.State fs = flatAdam.exportState();
        Adam.State ms = mapAdam.exportState();
        assertThat(fs.step()).isEqualTo(ms.step());
        for (String name : ARCH.parameterShapes().keySet()) {
            assertThat(fs.firstMoments().get(name)).containsExactly(ms.firstMoments().get(name));
            assertThat(fs.secondMoments().get(name)).containsExactly(ms.secondMoments().get(name));
        }
        // an imported (per-tensor) state continues identically on the flat path
        Adam imported = new Adam(0.01);
        imported.importState(ms, flatNet.parameterArrays());
        PolicyNetwork copy = new PolicyNetwork(ARCH, flatNet.parameters());
        Gradients g = flatNet.backward(flatNet.forward(x), Nd4j.ones(DataType.DOUBLE, 11, 3));
        Gradients g2 = copy.backward(copy.forward(x), Nd4j.ones(DataType.DOUBLE, 11, 3));
        flatAdam.step(flatNet.parameterBuffer(), flatNet.layout(), g);
        imported.step(copy.parameterBuffer(), copy.layout(), g2);
        assertThat(copy.parameterBuffer().dup().data().asDouble())
                .containsExactly(flatNet.parameterBuffer().dup().data().asDouble());
    }

    @Test
    void snapshotAndRestoreShouldUndoSteps() {
        PolicyNetwork net = new PolicyNetwork(ARCH, 4L);
        Adam adam = new Adam(0.01);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 5);
        adam.step(net.parameterBuffer(), net.layout(), net.backward(net.forward(x), Nd4j.ones(DataType.DOUBLE, 6, 3)));
        Adam.State before = adam.exportState();
        Adam.Snapshot snap = adam.snapshot();
        adam.step(net.parameterBuffer(), net.layout(), net.backward(net.forward(x), Nd4j.ones(DataType.DOUBLE, 6, 3)));
        assertThat(adam.stepCount()).isEqualTo(2);
        adam.restore(snap, net.parameterArrays());
        Adam.State after = adam.exportState();
        assertThat(after.step()).isEqualTo(1);
        for (String name : ARCH.parameterShapes().keySet()) {
            assertThat(after.firstMoments().get(name)).containsExactly(before.firstMoments().get(name));
            assertThat(after.secondMoments().get(name)).containsExactly(before.secondMoments().get(name));
        }
        // a snapshot taken before any step restores the empty state
        Adam fresh = new Adam(0.01);
        Adam.Snapshot empty = fresh.snapshot();
        fresh.step(net.parameterBuffer(), net.layout(), net.backward(net.forward(x), Nd4j.ones(DataType.DOUBLE, 6, 3)));
        fresh.restore(empty, net.parameterArrays());
        assertThat(fresh.stepCount()).isZero();
        assertThat(fresh.exportState().firstMoments()).isEmpty();
    }

    @Test
    void flatAdamShouldRejectGradientsOfAnotherLayout() {
        PolicyNetwork net = new PolicyNetwork(ARCH, 4L);
        Gradients separate = separateCopy(net.backward(net.forward(Nd4j.rand(DataType.DOUBLE, 2, 5)),
                Nd4j.ones(DataType.DOUBLE, 2, 3)));
        assertThatThrownBy(() -> new Adam(0.01).step(net.parameterBuffer(), net.layout(), separate))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flat");
    }

    private static long layoutOffsetOf(PolicyNetwork net, String name) {
        // locate the view by marking it and scanning the buffer
        INDArray flat = net.parameterBuffer().dup();
        INDArray probe = net.layout().view(flat, name);
        probe.assign(Double.NaN);
        for (long i = 0; i < flat.length(); i++) {
            if (Double.isNaN(flat.getDouble(i))) {
                return i;
            }
        }
        throw new AssertionError("view of " + name + " not found");
    }

    private static Gradients separateCopy(Gradients g) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        g.asMap().forEach((k, v) -> m.put(k, v.dup()));
        return new Gradients(m);
    }

    private static void assertSameValues(Gradients a, Gradients b) {
        assertThat(a.names()).containsExactlyElementsOf(b.names());
        for (String name : a.names()) {
            assertThat(a.get(name).dup().data().asDouble()).as(name).containsExactly(b.get(name).dup().data().asDouble());
        }
    }
}
