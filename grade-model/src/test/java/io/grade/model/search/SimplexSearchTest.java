package io.grade.model.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimplexSearchTest {

    @Test
    void shouldEnumerateEveryPointOfTheRegularGrid() {
        double[][] grid = SimplexSearch.grid(4, 10);
        // compositions of 10 into 4 non-negative parts: C(13, 3)
        assertThat(grid).hasNumberOfRows(286);
        Set<String> distinct = new HashSet<>();
        for (double[] p : grid) {
            double sum = 0;
            for (double v : p) {
                assertThat(v).isBetween(0.0, 1.0);
                sum += v;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-12));
            distinct.add(java.util.Arrays.toString(p));
        }
        assertThat(distinct).hasSize(286);
    }

    @Test
    void shouldRefineBeyondTheGridToAnOffGridMaximum() {
        double[] target = {0.37, 0.21, 0.29, 0.13};
        SimplexSearch.Result r = SimplexSearch.defaults().maximise(4, w -> -l1(w, target));
        assertThat(l1(r.point(), target)).isLessThan(0.02);
        assertThat(r.value()).isGreaterThan(-0.02);
        assertThat(r.evaluations()).isGreaterThan(286);
    }

    @Test
    void shouldStayOnTheSimplex() {
        SimplexSearch.Result r = SimplexSearch.defaults().maximise(3, w -> w[0] - 0.5 * w[1] + 0.25 * w[2]);
        assertThat(r.point()).containsExactly(new double[] {1, 0, 0}, within(1e-12));
        assertThat(r.value()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void shouldOnlyEvaluateTheGridWhenRefinementIsOff() {
        SimplexSearch.Result r = new SimplexSearch(4, 0, 0).maximise(3, w -> -Math.abs(w[0] - 0.3));
        assertThat(r.evaluations()).isEqualTo(15);
        assertThat(r.point()[0]).isEqualTo(0.25);
    }

    private static double l1(double[] a, double[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Math.abs(a[i] - b[i]);
        }
        return d;
    }
}
