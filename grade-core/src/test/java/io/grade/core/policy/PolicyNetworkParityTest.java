package io.grade.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The learner's ND4J network and serving's plain-array forward pass must compute the same pi. */
class PolicyNetworkParityTest {

    private static final double MAX_ABS_DIFFERENCE = 1e-6;
    private static final int INPUTS = 200;

    @Test
    void shouldMatchThePlainArrayForwardPassOnRandomInputs() {
        PolicyArchitecture arch = PolicyArchitecture.defaults(12, 4);
        PolicyNetwork net = new PolicyNetwork(arch, PolicyNetworkTest.randomParameters(arch, 31, 0.4));
        INDArray x = PolicyNetworkTest.randomMatrix(INPUTS, arch.featureDim(), 32, 2.0);
        assertThat(maxDifference(net, new PolicyForward(arch, net.parameters()), x)).isLessThan(MAX_ABS_DIFFERENCE);
    }

    @Test
    void shouldMatchAfterARoundTripThroughTheAvroSnapshot() throws Exception {
        PolicyArchitecture arch = new PolicyArchitecture(7, 3, 16, 8, 3, 2e-3);
        PolicyNetwork net = new PolicyNetwork(arch, PolicyNetworkTest.randomParameters(arch, 41, 0.5));
        SnapshotMetadata meta = new SnapshotMetadata("m", 1, Instant.EPOCH, Instant.EPOCH, List.of("ctr", "cvr", "gpm"),
                FusionKind.LOG_LINEAR, new double[] {1e-4, 1e-4, 1e-4}, 5.0, 0.01, TrainingStats.newBuilder().build());
        PolicySnapshot snapshot = PolicySnapshot.getDecoder().decode(
                PolicySnapshot.getEncoder().encode(PolicySnapshots.toSnapshot(arch, net.parameters(), meta)));
        INDArray x = PolicyNetworkTest.randomMatrix(INPUTS, arch.featureDim(), 42, 2.0);
        assertThat(maxDifference(net, PolicySnapshots.forward(snapshot), x)).isLessThan(MAX_ABS_DIFFERENCE);
    }

    @Test
    void shouldMatchForTheColdStartNetwork() {
        PolicyArchitecture arch = PolicyArchitecture.defaults(5, 2);
        PolicyNetwork net = new PolicyNetwork(arch, 3L);
        INDArray x = PolicyNetworkTest.randomMatrix(INPUTS, arch.featureDim(), 4, 1.0);
        assertThat(maxDifference(net, new PolicyForward(arch, net.parameters()), x)).isLessThan(MAX_ABS_DIFFERENCE);
    }

    private static double maxDifference(PolicyNetwork net, PolicyForward plain, INDArray x) {
        ForwardPass fp = net.forward(x);
        int n = net.architecture().tasks();
        double[] pi = new double[n];
        double[] logits = new double[n];
        double max = 0;
        for (int b = 0; b < x.rows(); b++) {
            double[] row = x.getRow(b).toDoubleVector();
            plain.weights(row, pi);
            plain.logits(row, logits);
            for (int k = 0; k < n; k++) {
                max = Math.max(max, Math.abs(pi[k] - fp.pi().getDouble(b, k)));
                max = Math.max(max, Math.abs(logits[k] - fp.logits().getDouble(b, k)));
            }
        }
        return max;
    }
}
