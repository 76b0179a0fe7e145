package io.grade.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.schemas.ExperimentArm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OnlineHoldoutTest {

    @Test
    void controlShareOfManyUsersShouldBeTheConfiguredShare() {
        OnlineHoldout h = OnlineHoldout.defaults();
        int n = 200_000;
        int control = 0;
        for (int u = 0; u < n; u++) {
            if (h.armOf("user-" + u) == ExperimentArm.CONTROL) {
                control++;
            }
        }
        // binomial standard error at 5 % of 200,000: 0.00049; 5 SE
        assertThat(control / (double) n).isCloseTo(0.05, within(0.0025));
    }

    @Test
    void armShouldBeAPureFunctionOfSaltAndUser() {
        OnlineHoldout a = OnlineHoldout.of(0.2, "exp-1");
        OnlineHoldout b = OnlineHoldout.of(0.2, "exp-1");
        OnlineHoldout other = OnlineHoldout.of(0.2, "exp-2");
        Set<String> controlA = new HashSet<>();
        Set<String> controlOther = new HashSet<>();
        for (int u = 0; u < 5_000; u++) {
            String id = "u" + u;
            assertThat(b.armOf(id)).isEqualTo(a.armOf(id));
            if (a.armOf(id) == ExperimentArm.CONTROL) {
                controlA.add(id);
            }
            if (other.armOf(id) == ExperimentArm.CONTROL) {
                controlOther.add(id);
            }
        }
        Set<String> both = new HashSet<>(controlA);
        both.retainAll(controlOther);
        // a new salt draws a new control group: overlap near 0.2 * 0.2, not near 1
        assertThat(both.size() / (double) controlA.size()).isBetween(0.1, 0.3);
    }

    @Test
    void positionShouldFollowTheDocumentedRecipe() throws Exception {
        // SHA-256(salt, 0x00, user) -> first 8 bytes big-endian -> top 53 bits / 2^53 (as another language would do it)
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update("grade-holdout-1".getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update("user-42".getBytes(StandardCharsets.UTF_8));
        long first8 = ByteBuffer.wrap(md.digest()).getLong();
        double expected = (first8 >>> 11) / Math.pow(2, 53);
        assertThat(OnlineHoldout.defaults().position("user-42")).isEqualTo(expected);
    }

    @Test
    void sharesShouldBeBoundedAndNoneShouldLeaveEveryoneUnassigned() {
        assertThat(OnlineHoldout.none().armOf("anyone")).isEqualTo(ExperimentArm.UNASSIGNED);
        OnlineHoldout zero = OnlineHoldout.of(0, "s");
        assertThat(zero.armOf("anyone")).isEqualTo(ExperimentArm.TREATMENT);
        assertThatThrownBy(() -> OnlineHoldout.of(0.6, "s")).hasMessageContaining("control share");
        assertThatThrownBy(() -> OnlineHoldout.of(Double.NaN, "s")).hasMessageContaining("control share");
        assertThatThrownBy(() -> OnlineHoldout.of(0.05, "")).hasMessageContaining("salt");
    }
}
