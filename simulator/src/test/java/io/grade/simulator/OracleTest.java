package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.DirichletSampler;
import org.junit.jupiter.api.Test;

class OracleTest {

    private static final double TOLERANCE = 1e-12;
    /** Acceptance target of the product: the personalised oracle beats the best static weights by >= 10 %. */
    private static final double REQUIRED_GAIN = 0.10;

    private static List<SimRequest> requests(World world, long seed, int count) {
        UniformRandomProvider rng = World.rng(seed);
        List<SimRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(world.nextRequest(rng, 1_000L * i));
        }
        return out;
    }

    @Test
    void shouldGiveWeightsAtLeastAsGoodAsEveryFixedWeightVectorOnEveryRequest() {
        World world = World.create(WorldConfig.defaults(), 41);
        List<double[]> fixed = new ArrayList<>();
        fixed.add(new double[] {0.25, 0.25, 0.25, 0.25});
        for (int k = 0; k < 4; k++) {
            double[] vertex = new double[4];
            vertex[k] = 1;
            fixed.add(vertex);
            for (int l = k + 1; l < 4; l++) {
                double[] mid = new double[4];
                mid[k] = 0.5;
                mid[l] = 0.5;
                fixed.add(mid);
            }
        }
        DirichletSampler random = DirichletSampler.symmetric(World.rng(42), 4, 1.0);
        for (int i = 0; i < 10; i++) {
            fixed.add(random.sample());
        }
        for (SimRequest r : requests(world, 43, 150)) {
            Oracle.Solution best = world.oracle().solve(r);
            for (double[] w : fixed) {
                assertThat(best.expectedPost())
                        .isGreaterThanOrEqualTo(world.oracle().expectedPost(r, w) - TOLERANCE);
            }
        }
    }

    @Test
    void shouldReportTheExpectedPostOfTheWeightsItReturns() {
        World world = World.create(WorldConfig.defaults(), 41);
        for (SimRequest r : requests(world, 44, 20)) {
            Oracle.Solution best = world.oracle().solve(r);
            assertThat(best.weights()).hasSize(4);
            assertThat(best.expectedPost()).isCloseTo(world.oracle().expectedPost(r, best.weights()), within(TOLERANCE));
            assertThat(best.expectedPost()).isBetween(0.0, 1.0);
            assertThat(world.oracle().bestWeights(r)).containsExactly(best.weights());
        }
    }

    @Test
    void shouldScoreTheServedRankingLikeTheWeightsThatProducedIt() {
        World world = World.create(WorldConfig.defaults(), 41);
        UniformRandomProvider rng = World.rng(45);
        double[] w = {0.1, 0.2, 0.3, 0.4};
        for (int i = 0; i < 20; i++) {
            SimRequest r = world.nextRequest(rng, i);
            SimOutcome o = world.respond(r, w, rng);
            assertThat(world.oracle().evaluator(r).expectedPostOfRanking(o.ranking()))
                    .isCloseTo(world.oracle().expectedPost(r, w), within(TOLERANCE));
        }
    }

    @Test
    void shouldBeatTheBestStaticWeightsByAtLeastTenPercentForEverySeed() {
        StringBuilder report = new StringBuilder();
        for (long seed : new long[] {1, 2, 3}) {
            World world = World.create(WorldConfig.defaults(), seed);
            List<SimRequest> sample = requests(world, 100 + seed, 250);
            Oracle.Solution bestStatic = world.oracle().bestStatic(sample);
            double oracle = 0;
            double uniform = 0;
            for (SimRequest r : sample) {
                oracle += world.oracle().solve(r).expectedPost();
                uniform += world.oracle().expectedPost(r, new double[] {0.25, 0.25, 0.25, 0.25});
            }
            oracle /= sample.size();
            uniform /= sample.size();
            double gain = oracle / bestStatic.expectedPost() - 1;
            report.append(String.format("seed %d: oracle %.4f, best static %.4f %s, uniform %.4f, gain %.1f %%%n",
                    seed, oracle, bestStatic.expectedPost(), java.util.Arrays.toString(bestStatic.weights()), uniform,
                    100 * gain));
            assertThat(bestStatic.expectedPost()).isGreaterThanOrEqualTo(uniform);
            assertThat(gain).as("oracle vs best static, seed %d", seed).isGreaterThanOrEqualTo(REQUIRED_GAIN);
        }
        System.out.print(report);
    }

    @Test
    void shouldPreferDifferentWeightsForEachArchetype() {
        World world = World.create(WorldConfig.defaults(), 46);
        int archetypes = world.archetypeNames().size();
        List<List<SimRequest>> byArchetype = new ArrayList<>();
        for (int a = 0; a < archetypes; a++) {
            byArchetype.add(new ArrayList<>());
        }
        for (SimRequest r : requests(world, 47, 480)) {
            byArchetype.get(r.archetype()).add(r);
        }
        double[][] meanOracle = new double[archetypes][4];
        double[][] archetypeStatic = new double[archetypes][];
        for (int a = 0; a < archetypes; a++) {
            for (SimRequest r : byArchetype.get(a)) {
                double[] w = world.oracle().bestWeights(r);
                for (int k = 0; k < 4; k++) {
                    meanOracle[a][k] += w[k] / byArchetype.get(a).size();
                }
            }
            archetypeStatic[a] = world.oracle().bestStatic(byArchetype.get(a)).weights();
        }
        for (int a = 0; a < archetypes; a++) {
            // each archetype's oracle leans on the task its users care about
            assertThat(PopulationTest.argmax(meanOracle[a])).as("archetype %d", a).isEqualTo(a);
            for (int b = a + 1; b < archetypes; b++) {
                assertThat(PopulationTest.l1(meanOracle[a], meanOracle[b])).as("archetypes %d, %d", a, b)
                        .isGreaterThan(0.4);
            }
            // another archetype's best weights lose clearly on this archetype's requests
            double own = meanPost(world, byArchetype.get(a), archetypeStatic[a]);
            for (int b = 0; b < archetypes; b++) {
                if (b != a) {
                    assertThat(meanPost(world, byArchetype.get(a), archetypeStatic[b]))
                            .as("weights of %d on requests of %d", b, a).isLessThan(own * 0.97);
                }
            }
        }
    }

    private static double meanPost(World world, List<SimRequest> requests, double[] w) {
        double sum = 0;
        for (SimRequest r : requests) {
            sum += world.oracle().expectedPost(r, w);
        }
        return sum / requests.size();
    }
}
