package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.schemas.PolicySnapshot;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PolicySnapshotsTest {

    private static final PolicyArchitecture ARCH = new PolicyArchitecture(4, 2, 3, 3, 3, 2e-3);

    @Test
    void shouldRoundTripArchitectureParametersAndMetadataThroughAvroBytes() throws Exception {
        PolicyParameters p = PolicyTestData.random(ARCH, 5, 1.0);
        SnapshotMetadata meta = PolicyTestData.metadata(3);
        PolicySnapshot s = PolicySnapshots.toSnapshot(ARCH, p, meta);
        ByteBuffer bytes = PolicySnapshot.getEncoder().encode(s);
        PolicySnapshot back = PolicySnapshot.getDecoder().decode(bytes);
        assertThat(PolicySnapshots.architecture(back)).isEqualTo(ARCH);
        assertThat(PolicySnapshots.parameters(back)).isEqualTo(p);
        SnapshotMetadata m = PolicySnapshots.metadata(back);
        assertThat(m.modelId()).isEqualTo("model-a");
        assertThat(m.version()).isEqualTo(7L);
        assertThat(m.createdAt()).isEqualTo(meta.createdAt());
        assertThat(m.taskNames()).containsExactly("ctr", "cvr", "opm");
        assertThat(m.betas()).containsExactly(meta.betas());
        assertThat(m.stats()).isEqualTo(meta.stats());
        assertThat(SnapshotValidator.validate(back)).isEmpty();
    }

    @Test
    void shouldServeTheSameWeightsAsTheParametersItWasBuiltFrom() {
        PolicyParameters p = PolicyTestData.random(ARCH, 6, 1.0);
        PolicyForward direct = new PolicyForward(ARCH, p);
        PolicyForward served = PolicySnapshots.forward(PolicySnapshots.toSnapshot(ARCH, p, PolicyTestData.metadata(3)));
        double[] x = {0.3, -1.2, 2.0, 0.1};
        double[] a = new double[3];
        double[] b = new double[3];
        direct.weights(x, a);
        served.weights(x, b);
        assertThat(b).containsExactly(a);
    }

    @Test
    void shouldRefuseParametersOrTaskNamesThatDoNotFitTheArchitecture() {
        PolicyParameters wrong = PolicyTestData.random(new PolicyArchitecture(5, 2, 3, 3, 3, 2e-3), 1, 1.0);
        assertThatThrownBy(() -> PolicySnapshots.toSnapshot(ARCH, wrong, PolicyTestData.metadata(3)))
                .hasMessageContaining("expert0.W");
        assertThatThrownBy(() -> PolicySnapshots.toSnapshot(ARCH, PolicyTestData.random(ARCH, 1, 1.0),
                PolicyTestData.metadata(2))).hasMessageContaining("task names");
    }
}
