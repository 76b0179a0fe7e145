package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.rng.UniformRandomProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PopulationTest {

    private static World world;

    @BeforeAll
    static void buildWorld() {
        world = World.create(WorldConfig.defaults(), 21);
    }

    @Test
    void shouldSpreadUsersOverTheArchetypesByShare() {
        int[] counts = new int[world.archetypeNames().size()];
        for (int u = 0; u < world.users(); u++) {
            counts[world.archetypeOf(u)]++;
        }
        double[] shares = world.config().archetypeShares();
        for (int a = 0; a < counts.length; a++) {
            assertThat((double) counts[a] / world.users()).isCloseTo(shares[a], within(0.03));
        }
    }

    @Test
    void shouldGiveEachArchetypeAPreferenceLeaningOnItsOwnTask() {
        int archetypes = world.archetypeNames().size();
        double[][] mean = new double[archetypes][world.tasks()];
        int[] counts = new int[archetypes];
        for (int u = 0; u < world.users(); u++) {
            int a = world.archetypeOf(u);
            double[] p = world.preferenceOf(u);
            double sum = 0;
            for (int k = 0; k < p.length; k++) {
                mean[a][k] += p[k];
                sum += p[k];
            }
            assertThat(sum).isCloseTo(1.0, within(1e-6));
            counts[a]++;
        }
        double[][] centroids = world.config().archetypeCentroids();
        for (int a = 0; a < archetypes; a++) {
            for (int k = 0; k < world.tasks(); k++) {
                mean[a][k] /= counts[a];
            }
            assertThat(argmax(mean[a])).isEqualTo(argmax(centroids[a]));
        }
        for (int a = 0; a < archetypes; a++) {
            for (int b = a + 1; b < archetypes; b++) {
                assertThat(l1(mean[a], mean[b])).as("preference distance %d-%d", a, b).isGreaterThan(0.5);
            }
        }
    }

    @Test
    void shouldVaryPreferencesWithinAnArchetype() {
        double[] first = null;
        int distinct = 0;
        for (int u = 0; u < 200; u++) {
            if (world.archetypeOf(u) != 0) {
                continue;
            }
            double[] p = world.preferenceOf(u);
            if (first == null) {
                first = p;
            } else if (l1(first, p) > 0.05) {
                distinct++;
            }
        }
        assertThat(distinct).isGreaterThan(10);
    }

    @Test
    void shouldCarryTheArchetypeInTheFeaturesButNotInAnySingleFeature() {
        int users = world.users();
        int d = world.featureDim();
        double[][] x = new double[users][];
        int[] y = new int[users];
        for (int u = 0; u < users; u++) {
            x[u] = world.userFeatures(u);
            y[u] = world.archetypeOf(u);
        }
        int[] all = new int[d];
        for (int i = 0; i < d; i++) {
            all[i] = i;
        }
        double allFeatures = nearestCentroidAccuracy(x, y, all);
        double bestSingle = 0;
        for (int f = 0; f < d; f++) {
            bestSingle = Math.max(bestSingle, nearestCentroidAccuracy(x, y, new int[] {f}));
        }
        // chance is at most the largest share (0.3)
        assertThat(allFeatures).isGreaterThan(0.85);
        assertThat(bestSingle).isLessThan(0.70);
        assertThat(allFeatures - bestSingle).isGreaterThan(0.25);
    }

    @Test
    void shouldDriftFeaturesSlightlyFromRequestToRequest() {
        UniformRandomProvider rng = World.rng(3);
        SimRequest a = world.requestFor(7, rng, 0);
        SimRequest b = world.requestFor(7, rng, 1);
        double[] stable = world.userFeatures(7);
        assertThat(a.features()).isNotEqualTo(b.features());
        double drift = 0;
        for (int i = 0; i < stable.length; i++) {
            drift += Math.abs(a.features()[i] - stable[i]);
        }
        assertThat(drift / stable.length).isBetween(0.01, 0.3);
    }

    /** Nearest class mean on the chosen features, fitted on the first half of users, scored on the second. */
    private static double nearestCentroidAccuracy(double[][] x, int[] y, int[] dims) {
        int classes = world.archetypeNames().size();
        int half = x.length / 2;
        double[][] c = new double[classes][dims.length];
        int[] n = new int[classes];
        for (int u = 0; u < half; u++) {
            n[y[u]]++;
            for (int i = 0; i < dims.length; i++) {
                c[y[u]][i] += x[u][dims[i]];
            }
        }
        for (int k = 0; k < classes; k++) {
            for (int i = 0; i < dims.length; i++) {
                c[k][i] /= n[k];
            }
        }
        int correct = 0;
        for (int u = half; u < x.length; u++) {
            int best = -1;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                double s = 0;
                for (int i = 0; i < dims.length; i++) {
                    double t = x[u][dims[i]] - c[k][i];
                    s += t * t;
                }
                if (s < bestDistance) {
                    bestDistance = s;
                    best = k;
                }
            }
            correct += best == y[u] ? 1 : 0;
        }
        return (double) correct / (x.length - half);
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static double l1(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s;
    }
}
