package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.generator.Fixtures.Run;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.simulator.LatentWorldConfig;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The generator on a world with other dimensions: 3 tasks, 24 features, feedback click/order/gmv. */
class LatentWorldLoopTest {

    private static final LatentWorldConfig LATENT = LatentWorldConfig.builder().users(300).items(400).build();

    @Test
    void shouldProduceEventsWithTheWorldsTasksFeaturesAndFeedbackTypes() {
        GeneratorConfig config = Fixtures.config(3).world(LATENT).build();
        assertThat(config.staticWeights()).containsExactly(1.0 / 3, 1.0 / 3, 1.0 / 3);
        Run run = Fixtures.run(config, 300);
        assertThat(run.impressions()).hasSize(300);
        for (Impression imp : run.impressions()) {
            assertThat(imp.getFeatures()).hasSize(24);
            assertThat(imp.getServedWeights()).hasSize(3);
            assertThat(imp.getItems()).allSatisfy(item -> assertThat(item.getScores()).hasSize(3));
        }
        Set<String> types = run.feedback().stream().map(Feedback::getType).collect(Collectors.toSet());
        assertThat(types).containsExactlyInAnyOrder("click", "order", "gmv");
        assertThat(run.stats().snapshot(0).overall().served()).isPositive();
    }

    @Test
    void shouldRejectStaticWeightsOfAnotherTaskCount() {
        assertThatThrownBy(() -> Fixtures.config(3).world(LATENT).staticWeights(new double[] {1, 1, 1, 1}).build())
                .hasMessageContaining("--static-weights").hasMessageContaining("(3)");
    }
}
