package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorldConfigTest {

    @Test
    void shouldDefaultToTheIssuesWorld() {
        WorldConfig c = WorldConfig.defaults();
        assertThat(c.taskNames()).containsExactly("ctr", "cvr", "opm", "gpm");
        assertThat(c.feedbackTypes()).containsExactly("click", "order", "profit", "gmv");
        assertThat(c.users()).isGreaterThanOrEqualTo(10_000);
        assertThat(c.items()).isGreaterThanOrEqualTo(5_000);
        assertThat(c.featureDim()).isBetween(16, 64);
        assertThat(c.informativeFeatures()).isLessThan(c.featureDim());
        assertThat(c.archetypes()).isGreaterThanOrEqualTo(4);
        assertThat(c.candidates()).isEqualTo(50);
        assertThat(c.shownPositions()).isEqualTo(10);
    }

    @Test
    void shouldRoundTripThroughItsBuilder() {
        WorldConfig c = WorldConfig.defaults();
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.toBuilder().users(123).build()).isNotEqualTo(c);
    }

    @Test
    void shouldNotLetCallersMutateItsArrays() {
        WorldConfig c = WorldConfig.defaults();
        c.scorePower()[0] = 99;
        c.archetypeCentroids()[0][0] = 99;
        assertThat(c.scorePower()[0]).isNotEqualTo(99);
        assertThat(c.archetypeCentroids()[0][0]).isNotEqualTo(99);
    }

    @Test
    void shouldRejectInvalidValuesNamingTheOption() {
        assertThatThrownBy(() -> WorldConfig.builder().users(0).build()).hasMessageContaining("users");
        assertThatThrownBy(() -> WorldConfig.builder().shownPositions(51).build())
                .hasMessageContaining("shownPositions");
        assertThatThrownBy(() -> WorldConfig.builder().candidatePool(10).build())
                .hasMessageContaining("candidatePool");
        assertThatThrownBy(() -> WorldConfig.builder().taskNames(List.of("ctr", "cvr", "opm")).build())
                .hasMessageContaining("taskNames");
        assertThatThrownBy(() -> WorldConfig.builder().informativeFeatures(40).build())
                .hasMessageContaining("informativeFeatures");
        assertThatThrownBy(() -> WorldConfig.builder().scoreNoise(new double[] {0.1, -0.1, 0.1, 0.1}).build())
                .hasMessageContaining("scoreNoise");
        assertThatThrownBy(() -> WorldConfig.builder()
                .archetypes(List.of("a"), new double[][] {{0.5, 0.5, 0.5, 0.5}}, new double[] {1}).build())
                .hasMessageContaining("sum to 1");
        assertThatThrownBy(() -> WorldConfig.builder()
                .archetypes(List.of("a", "b"), new double[][] {{0.25, 0.25, 0.25, 0.25}}, new double[] {1, 1})
                .build())
                .hasMessageContaining("archetypeCentroids");
    }
}
