package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PolicyArchitectureTest {

    @Test
    void shouldUseTheSpecDefaults() {
        PolicyArchitecture a = PolicyArchitecture.defaults(16, 4);
        assertThat(a).isEqualTo(new PolicyArchitecture(16, 4, 32, 32, 4, 1e-3));
    }

    @Test
    void shouldListTensorsInCanonicalOrderWithTheirShapes() {
        PolicyArchitecture a = new PolicyArchitecture(5, 2, 3, 4, 6, 0.0);
        assertThat(a.parameterNames()).containsExactly("expert0.W", "expert0.b", "expert1.W", "expert1.b",
                "gate.W", "gate.b", "tower.W", "tower.b", "out.W", "out.b");
        assertThat(a.parameterShapes().get("expert1.W")).containsExactly(3, 5);
        assertThat(a.parameterShapes().get("gate.W")).containsExactly(2, 5);
        assertThat(a.parameterShapes().get("tower.W")).containsExactly(4, 3);
        assertThat(a.parameterShapes().get("out.W")).containsExactly(6, 4);
        assertThat(a.parameterShapes().get("out.b")).containsExactly(6);
        assertThat(a.parameterCount()).isEqualTo(2 * (15 + 3) + 10 + 2 + 12 + 4 + 24 + 6);
    }

    @Test
    void shouldRejectInvalidFieldsNamingThem() {
        assertThatThrownBy(() -> new PolicyArchitecture(0, 4, 32, 32, 4, 1e-3)).hasMessageContaining("featureDim");
        assertThatThrownBy(() -> new PolicyArchitecture(8, 0, 32, 32, 4, 1e-3)).hasMessageContaining("experts");
        assertThatThrownBy(() -> new PolicyArchitecture(8, 4, 0, 32, 4, 1e-3)).hasMessageContaining("hidden");
        assertThatThrownBy(() -> new PolicyArchitecture(8, 4, 32, -1, 4, 1e-3)).hasMessageContaining("tower");
        assertThatThrownBy(() -> new PolicyArchitecture(8, 4, 32, 32, 0, 1e-3)).hasMessageContaining("tasks");
        assertThatThrownBy(() -> new PolicyArchitecture(8, 4, 32, 32, 4, 0.25)).hasMessageContaining("epsilonFloor");
        assertThatThrownBy(() -> new PolicyArchitecture(8, 4, 32, 32, 4, Double.NaN)).hasMessageContaining("epsilonFloor");
    }
}
