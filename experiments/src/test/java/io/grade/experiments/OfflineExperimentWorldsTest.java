package io.grade.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The offline experiment on the latent world (3 tasks, 24 features) and its item-agnostic ceiling. */
class OfflineExperimentWorldsTest {

    @Test
    void shouldRunOnTheLatentWorldAndReportTheCeilingBetweenBestStaticAndOracle() {
        ExperimentConfig c = ExperimentConfig.builder().world("latent")
                .seed(3).users(600).items(500).trainRequests(600).testRequests(80)
                .spEpochs(1).grpoUpdates(3).grpoBatchSize(32)
                .build();
        ExperimentResult r = OfflineExperiment.run(c);
        assertThat(r.taskNames()).containsExactly("ctr", "cvr", "gpm");
        assertThat(r.archetypeNames()).containsExactly("ctr-led", "cvr-led", "gpm-led");
        assertThat(r.bestStaticWeights()).hasSize(3);
        Map<String, Object> f = r.figures();
        assertThat(f).containsEntry("world", "latent").containsKeys("ceiling", "ceiling_best_static",
                "ceiling_oracle", "ceiling_gap_closed", "gap_closed_of_ceiling", "weights_grade_gpm-led_gpm");
        double stat = (Double) f.get("ceiling_best_static");
        double oracle = (Double) f.get("ceiling_oracle");
        assertThat((Double) f.get("ceiling")).isGreaterThan(stat).isLessThan(oracle);
        // the ceiling is scored on the experiment's own held-out requests: the same oracle
        assertThat(oracle).isCloseTo(r.post(Method.ORACLE), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(f.get("ceiling_fit_requests")).isEqualTo(600);
        assertThat(r.table()).contains("ceiling_gap_closed");
    }

    @Test
    void shouldRejectAnUnknownWorldListingTheKnownOnes() {
        assertThatThrownBy(() -> ExperimentConfig.builder().world("mars").build())
                .hasMessageContaining("mars").hasMessageContaining("archetypes, latent");
        assertThatThrownBy(() -> ExperimentConfig.builder().world("latent").formatLowerBound(0.34).build())
                .hasMessageContaining("formatLowerBound").hasMessageContaining("3 tasks");
    }
}
