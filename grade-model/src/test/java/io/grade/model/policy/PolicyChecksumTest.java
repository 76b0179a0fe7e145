package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class PolicyChecksumTest {

    private static final PolicyArchitecture ARCH = new PolicyArchitecture(4, 2, 3, 3, 3, 1e-3);

    @Test
    void shouldEqualCrc32cOverNamesBigEndianShapesAndValueBits() {
        PolicyParameters p = PolicyParameters.builder()
                .put("w", new int[] {1, 2}, new double[] {1.5, -0.0})
                .put("b", new int[] {1}, new double[] {Double.MIN_VALUE})
                .build();
        ByteBuffer bytes = ByteBuffer.allocate(64);
        bytes.put("w".getBytes(StandardCharsets.UTF_8)).putInt(1).putInt(2)
                .putLong(Double.doubleToLongBits(1.5)).putLong(Double.doubleToLongBits(-0.0));
        bytes.put("b".getBytes(StandardCharsets.UTF_8)).putInt(1).putLong(Double.doubleToLongBits(Double.MIN_VALUE));
        bytes.flip();
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        assertThat(PolicyChecksum.compute(p)).isEqualTo(crc.getValue());
    }

    @Test
    void shouldChangeWhenAnySingleValueChanges() {
        PolicyParameters p = PolicyTestData.random(ARCH, 3, 1.0);
        long base = PolicyChecksum.compute(p);
        for (String name : p.names()) {
            double[] v = p.values(name);
            v[v.length - 1] = Math.nextUp(v[v.length - 1]);
            assertThat(PolicyChecksum.compute(replace(p, name, v))).as(name).isNotEqualTo(base);
        }
    }

    @Test
    void shouldAgreeBetweenPlainParametersAndSnapshotTensors() {
        PolicyParameters p = PolicyTestData.random(ARCH, 4, 1.0);
        var snapshot = PolicySnapshots.toSnapshot(ARCH, p, PolicyTestData.metadata(3));
        assertThat(PolicyChecksum.compute(snapshot.getParameters())).isEqualTo(PolicyChecksum.compute(p))
                .isEqualTo(snapshot.getChecksum());
    }

    @Test
    void shouldDependOnTheOrderOfTensors() {
        PolicyParameters ab = PolicyParameters.builder().put("a", new int[] {1}, new double[] {1}).put("b", new int[] {1}, new double[] {2}).build();
        PolicyParameters ba = PolicyParameters.builder().put("b", new int[] {1}, new double[] {2}).put("a", new int[] {1}, new double[] {1}).build();
        assertThat(PolicyChecksum.compute(ab)).isNotEqualTo(PolicyChecksum.compute(ba));
    }

    static PolicyParameters replace(PolicyParameters p, String name, double[] values) {
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (String n : p.names()) {
            b.put(n, p.shape(n), n.equals(name) ? values : p.values(n));
        }
        return b.build();
    }
}
