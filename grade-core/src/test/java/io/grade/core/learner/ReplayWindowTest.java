package io.grade.core.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.core.data.TrainingRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {

    private static TrainingRequest request(double feature) {
        return new TrainingRequest(new double[] {feature}, new double[] {1, 1}, new double[] {0, 0},
                new double[] {0, 0}, 1, 2);
    }

    @Test
    void shouldKeepOnlyTheNewestRequestsAndDrawFromThem() {
        ReplayWindow w = new ReplayWindow(3);
        for (int i = 0; i < 5; i++) {
            assertThat(w.add(request(i))).isEqualTo(i % 3);
        }
        assertThat(w.size()).isEqualTo(3);
        assertThat(w.added()).isEqualTo(5);
        List<TrainingRequest> drawn = w.draw(200, 7);
        assertThat(drawn).hasSize(200);
        assertThat(drawn).extracting(r -> r.features()[0]).containsOnly(2.0, 3.0, 4.0).contains(2.0, 3.0, 4.0);
    }

    @Test
    void shouldDrawTheSameAfterARestore() {
        ReplayWindow a = new ReplayWindow(4);
        for (int i = 0; i < 6; i++) {
            a.add(request(i));
        }
        // after six adds to four slots: slot 0 holds request 4, slot 1 request 5, slots 2 and 3 requests 2 and 3
        ReplayWindow b = new ReplayWindow(4);
        double[] held = {4, 5, 2, 3};
        for (int slot = 0; slot < 4; slot++) {
            b.restore(slot, request(held[slot]));
        }
        b.setAdded(a.added());
        assertThat(b.draw(50, 11)).extracting(r -> r.features()[0])
                .containsExactlyElementsOf(a.draw(50, 11).stream().map(r -> r.features()[0]).toList());
        assertThat(b.add(request(6))).isEqualTo(2);
    }

    @Test
    void shouldRefuseToDrawFromAnEmptyWindow() {
        assertThatThrownBy(() -> new ReplayWindow(2).draw(1, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(new ReplayWindow(0).add(request(1))).isEqualTo(-1);
    }
}
