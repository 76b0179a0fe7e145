package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ItemAgnosticCeilingTest {

    @Test
    void ceilingShouldLieBetweenTheBestStaticWeightsAndTheOracleOnTheLatentWorld() {
        SimWorld w = LatentWorldConfig.builder().users(1_000).items(800).build().create(1);
        ItemAgnosticCeiling.Result r = ItemAgnosticCeiling.measure(w, 900, 120, 3, 1);
        assertThat(r.world()).isEqualTo("latent");
        assertThat(r.oracle()).isGreaterThan(r.bestStatic());
        assertThat(r.ceiling()).isGreaterThan(r.bestStatic()).isLessThan(r.oracle());
        assertThat(r.gapClosed()).isBetween(0.05, 0.95);
        assertThat(r.bins()).isEqualTo(10);
        assertThat(r.binsFitted()).isBetween(1, 10);
        assertThat(r.figures()).containsKeys("ceiling", "ceiling_gap_closed", "ceiling_best_static", "ceiling_oracle");
    }

    @Test
    void ceilingShouldLieBetweenTheBestStaticWeightsAndTheOracleOnTheArchetypeWorld() {
        SimWorld w = WorldConfig.builder().users(1_000).items(800).build().create(2);
        ItemAgnosticCeiling.Result r = ItemAgnosticCeiling.measure(w, 600, 100, 2, 2);
        assertThat(r.ceiling()).isGreaterThan(r.bestStatic()).isLessThan(r.oracle());
    }

    @Test
    void shouldBeDeterministic() {
        SimWorld w = LatentWorldConfig.builder().users(500).items(500).build().create(4);
        ItemAgnosticCeiling.Result a = ItemAgnosticCeiling.measure(w, 200, 40, 2, 9);
        ItemAgnosticCeiling.Result b = ItemAgnosticCeiling.measure(w, 200, 40, 2, 9);
        assertThat(b).usingRecursiveComparison().isEqualTo(a);
    }

    @Test
    void binsShouldBeTheNearestGridPointOfThePreference() {
        assertThat(ItemAgnosticCeiling.bin(new double[] {0.7, 0.2, 0.1}, 2))
                .isEqualTo(ItemAgnosticCeiling.bin(new double[] {0.55, 0.4, 0.05}, 2));
        assertThat(ItemAgnosticCeiling.bin(new double[] {0.9, 0.05, 0.05}, 4))
                .isNotEqualTo(ItemAgnosticCeiling.bin(new double[] {0.5, 0.45, 0.05}, 4));
        assertThat(ItemAgnosticCeiling.gridSize(3, 7)).isEqualTo(36);
        assertThat(ItemAgnosticCeiling.autoSteps(3)).isEqualTo(7);
        assertThat(ItemAgnosticCeiling.autoSteps(4)).isEqualTo(4);
    }

    @Test
    void shouldRejectEmptyInputs() {
        SimWorld w = LatentWorldConfig.builder().users(200).items(200).build().create(1);
        assertThatThrownBy(() -> ItemAgnosticCeiling.measure(w, 0, 10, 2, 1))
                .hasMessageContaining("at least one fitting");
    }
}
