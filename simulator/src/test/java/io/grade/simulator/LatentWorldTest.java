package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.junit.jupiter.api.Test;

class LatentWorldTest {

    private static final LatentWorldConfig SMALL = LatentWorldConfig.builder().users(1_500).items(1_000).build();

    @Test
    void shouldHaveTheConfiguredDimensionsThreeTasksAndTwentyFourFeaturesByDefault() {
        LatentWorld w = LatentWorld.create(SMALL, 3);
        assertThat(w.tasks()).isEqualTo(3);
        assertThat(w.featureDim()).isEqualTo(24);
        assertThat(w.taskNames()).containsExactly("ctr", "cvr", "gpm");
        assertThat(w.feedbackTypes()).containsExactly("click", "order", "gmv");
        assertThat(w.binaryTasks()).containsExactly("ctr", "cvr");
        SimRequest r = w.nextRequest(World.rng(1), 0);
        assertThat(r.features()).hasSize(24);
        assertThat(r.tasks()).isEqualTo(3);
        assertThat(r.items()).isEqualTo(50);

        LatentWorld five = LatentWorld.create(SMALL.toBuilder().tasks(5).featureDim(40).informativeFeatures(30)
                .build(), 3);
        SimRequest r5 = five.nextRequest(World.rng(1), 0);
        assertThat(five.taskNames()).containsExactly("ctr", "cvr", "gpm", "v3", "v4");
        assertThat(r5.features()).hasSize(40);
        assertThat(r5.scores()).hasSize(50 * 5);
        SimOutcome o = five.respond(r5, new double[] {0.2, 0.2, 0.2, 0.2, 0.2}, World.rng(2));
        assertThat(o.labels()).hasSize(50 * 5);
        assertThat(five.oracle().solve(r5).weights()).hasSize(5);
    }

    @Test
    void shouldBeDeterministicPerSeedAndDifferAcrossSeeds() {
        List<Object[]> a = stream(LatentWorld.create(SMALL, 11), 5);
        List<Object[]> b = stream(LatentWorld.create(SMALL, 11), 5);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i)).isEqualTo(a.get(i));
        }
        assertThat(stream(LatentWorld.create(SMALL, 12), 5).get(0)).isNotEqualTo(a.get(0));
        assertThat(stream(LatentWorld.create(SMALL, 11), 6).get(0)).isNotEqualTo(a.get(0));
    }

    @Test
    void shouldKeepPreferencesOnTheSimplexSpreadContinuouslyAndHiddenFromAnySingleFeature() {
        LatentWorld w = LatentWorld.create(SMALL, 5);
        int[] segments = new int[3];
        double[][] prefs = new double[w.users()][];
        for (int u = 0; u < w.users(); u++) {
            double[] p = w.preferenceOf(u);
            prefs[u] = p;
            assertThat(p[0] + p[1] + p[2]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
            segments[w.archetypeOf(u)]++;
        }
        // no clusters: every segment is populated and many users sit between the corners
        for (int c : segments) {
            assertThat(c).isGreaterThan(w.users() / 6);
        }
        long mixed = java.util.Arrays.stream(prefs).filter(p -> max(p) < 0.7).count();
        assertThat(mixed).isGreaterThan(w.users() / 10);
        // the features are a nonlinear function of the latent: no feature correlates strongly with a preference
        for (int i = 0; i < w.featureDim(); i++) {
            for (int k = 0; k < 3; k++) {
                assertThat(Math.abs(correlation(w, i, k, prefs))).isLessThan(0.8);
            }
        }
    }

    @Test
    void shouldTradeTasksOffAcrossItemsAndScoreWithPopulationEstimatesThatIgnoreTheUser() {
        LatentWorld w = LatentWorld.create(SMALL, 7);
        UniformRandomProvider rng = World.rng(9);
        SimRequest a = w.requestFor(10, rng, 0);
        // the MTL model does not know the user: the same items get the same mean score for anyone;
        // only the per-request noise differs, while the true labels differ by user
        SimRequest b = w.requestFor(11, World.rng(9), 0);
        assertThat(b.itemIds()).containsExactly(a.itemIds());
        double scoreRatio = 0;
        for (int i = 0; i < a.scores().length; i++) {
            scoreRatio += Math.abs(Math.log(a.scores()[i] / b.scores()[i]));
        }
        assertThat(scoreRatio / a.scores().length).isLessThan(0.01);
        assertThat(b.expectedLabels()).isNotEqualTo(a.expectedLabels());
        // items that click well sell little: for users who mostly click (their clicks follow the
        // items' click propensity), click and order-per-click expectations anticorrelate
        List<double[]> pairs = new ArrayList<>();
        for (int u = 0; u < w.users() && pairs.size() < 2_000; u++) {
            if (w.preferenceOf(u)[0] < 0.9) {
                continue;
            }
            SimRequest r = w.requestFor(u, rng, 0);
            for (int j = 0; j < r.items(); j++) {
                double click = r.expectedLabels()[j * 3];
                pairs.add(new double[] {Math.log(click), Math.log(r.expectedLabels()[j * 3 + 1] / click)});
            }
        }
        assertThat(pearson(pairs)).isLessThan(-0.1);
    }

    @Test
    void oracleShouldBeatTheBestStaticWeights() {
        LatentWorld w = LatentWorld.create(SMALL, 1);
        UniformRandomProvider rng = World.rng(4);
        List<SimRequest> requests = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            requests.add(w.nextRequest(rng, 0));
        }
        Oracle.Solution stat = w.oracle().bestStatic(requests);
        double oracle = requests.stream().mapToDouble(r -> w.oracle().solve(r).expectedPost()).average().orElseThrow();
        // in-sample static (favours it) and still clearly below the per-request oracle
        assertThat(oracle).isGreaterThan(stat.expectedPost() * 1.05);
    }

    @Test
    void shouldRejectInvalidConfigurationNamingTheField() {
        assertThatThrownBy(() -> LatentWorldConfig.builder().tasks(1)).hasMessageContaining("tasks must be >= 2");
        assertThatThrownBy(() -> LatentWorldConfig.builder().featureDim(8).build())
                .hasMessageContaining("informativeFeatures");
        assertThatThrownBy(() -> LatentWorldConfig.builder().tradeOff(1).build()).hasMessageContaining("tradeOff");
        assertThatThrownBy(() -> LatentWorldConfig.builder().feedbackTypes(List.of("click", "order")).build())
                .hasMessageContaining("feedbackTypes");
    }

    @Test
    void worldsShouldKnowEveryWorldByNameAndListThemForAnUnknownOne() {
        assertThat(Worlds.NAMES).containsExactly("archetypes", "latent");
        assertThat(Worlds.spec("latent")).isEqualTo(LatentWorldConfig.defaults());
        assertThat(Worlds.spec("archetypes")).isEqualTo(WorldConfig.defaults());
        assertThat(Worlds.spec("latent").withUsers(300).create(1)).isInstanceOf(LatentWorld.class);
        assertThatThrownBy(() -> Worlds.spec("mars")).hasMessageContaining("unknown world 'mars'")
                .hasMessageContaining("archetypes, latent");
    }

    private static double max(double[] p) {
        double m = 0;
        for (double v : p) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static double correlation(LatentWorld w, int feature, int task, double[][] prefs) {
        List<double[]> pairs = new ArrayList<>();
        for (int u = 0; u < w.users(); u++) {
            pairs.add(new double[] {w.userFeatures(u)[feature], prefs[u][task]});
        }
        return pearson(pairs);
    }

    private static double pearson(List<double[]> xy) {
        double mx = 0;
        double my = 0;
        for (double[] p : xy) {
            mx += p[0] / xy.size();
            my += p[1] / xy.size();
        }
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (double[] p : xy) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
            syy += (p[1] - my) * (p[1] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    private static List<Object[]> stream(SimWorld world, long streamSeed) {
        UniformRandomProvider rng = World.rng(streamSeed);
        double[] weights = {0.5, 0.3, 0.2};
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            SimRequest r = world.nextRequest(rng, 1_000L * i);
            SimOutcome o = world.respond(r, weights, rng);
            out.add(new Object[] {r.user(), r.features(), r.itemIds(), r.scores(), r.expectedLabels(), o.ranking(),
                o.labels(), o.feedback()});
        }
        return out;
    }
}
