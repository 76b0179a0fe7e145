package io.grade.core.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.core.data.TrainingRequest;
import org.junit.jupiter.api.Test;

class HoldoutWindowTest {

    private static TrainingRequest request(double feature) {
        return new TrainingRequest(new double[] {feature}, new double[] {1, 1}, new double[] {0, 0},
                new double[] {0, 0}, 1, 2);
    }

    private static double[] held(HoldoutWindow w) {
        double[] out = new double[w.size()];
        for (int slot = 0; slot < w.size(); slot++) {
            out[slot] = w.get(slot).feature(0);
        }
        return out;
    }

    @Test
    void shouldKeepOnlyTheNewestRequestsInRingSlots() {
        HoldoutWindow w = new HoldoutWindow(3);
        assertThat(w.size()).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(w.add(request(i))).isEqualTo(i % 3);
        }
        assertThat(w.size()).isEqualTo(3);
        assertThat(w.added()).isEqualTo(5);
        assertThat(held(w)).containsExactly(3, 4, 2);
        assertThatThrownBy(() -> w.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(HoldoutWindow.withDefaultCapacity().capacity()).isEqualTo(4_000);
    }

    @Test
    void shouldContinueTheRingAfterARestore() {
        HoldoutWindow a = new HoldoutWindow(4);
        for (int i = 0; i < 6; i++) {
            a.add(request(i));
        }
        HoldoutWindow b = new HoldoutWindow(4);
        for (int slot = 0; slot < 4; slot++) {
            b.restore(slot, a.get(slot));
        }
        b.setAdded(a.added());
        assertThat(held(b)).containsExactly(held(a));
        assertThat(b.add(request(6))).isEqualTo(a.add(request(6))).isEqualTo(2);
        assertThat(held(b)).containsExactly(4, 5, 6, 3);
    }

    @Test
    void shouldRefuseASlotThatWasNotRestored() {
        HoldoutWindow w = new HoldoutWindow(4);
        w.restore(0, request(1));
        w.setAdded(9);
        assertThat(w.get(0).feature(0)).isEqualTo(1.0);
        assertThatThrownBy(() -> w.get(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("slot 1");
        assertThatThrownBy(() -> w.setAdded(-1)).hasMessageStartingWith("added");
        assertThatThrownBy(() -> new HoldoutWindow(-1)).hasMessageContaining("capacity");
        assertThat(new HoldoutWindow(0).add(request(1))).isEqualTo(-1);
    }
}
