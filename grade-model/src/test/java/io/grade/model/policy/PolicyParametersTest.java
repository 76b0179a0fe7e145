package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PolicyParametersTest {

    @Test
    void shouldKeepInsertionOrderAndCopyOnTheWayInAndOut() {
        double[] v = {1, 2, 3, 4, 5, 6};
        PolicyParameters p = PolicyParameters.builder().put("b", new int[] {2, 3}, v).put("a", new int[] {1}, new double[] {9}).build();
        v[0] = 100;
        p.values("b")[1] = 100;
        assertThat(p.names()).containsExactly("b", "a");
        assertThat(p.values("b")).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(p.shape("b")).containsExactly(2, 3);
    }

    @Test
    void shouldCompareByValuesAndCopyDeeply() {
        PolicyArchitecture arch = new PolicyArchitecture(3, 2, 2, 2, 2, 0.01);
        PolicyParameters p = PolicyTestData.random(arch, 1, 1.0);
        PolicyParameters c = p.copy();
        assertThat(c).isEqualTo(p).isNotSameAs(p);
        assertThat(c.hashCode()).isEqualTo(p.hashCode());
        assertThat(p.equalValues(PolicyTestData.random(arch, 2, 1.0))).isFalse();
        double[] gate = p.values("gate.W");
        gate[0] += 1e-9;
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (String name : p.names()) {
            b.put(name, p.shape(name), name.equals("gate.W") ? gate : p.values(name));
        }
        PolicyParameters nudged = b.build();
        assertThat(nudged).isNotEqualTo(p);
        assertThat(nudged.equalValues(p, 1e-8)).isTrue();
        assertThat(nudged.equalValues(p, 1e-10)).isFalse();
    }

    @Test
    void shouldRejectShapesThatDoNotMatchTheValuesAndDuplicateNames() {
        assertThatThrownBy(() -> PolicyParameters.builder().put("w", new int[] {2, 2}, new double[3]))
                .hasMessageContaining("w").hasMessageContaining("4 values");
        assertThatThrownBy(() -> PolicyParameters.builder().put("w", new int[] {1}, new double[1]).put("w", new int[] {1}, new double[1]))
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> PolicyParameters.builder().put("w", new int[] {0}, new double[0]))
                .hasMessageContaining("non-positive");
        assertThatThrownBy(() -> PolicyParameters.builder().build().values("nope")).hasMessageContaining("nope");
    }
}
