package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ResponseTest {

    private static final double[] UNIFORM = {0.25, 0.25, 0.25, 0.25};
    private static final int REQUESTS = 20_000;
    private static final long ATTRIBUTION_WINDOW_MILLIS = 10 * 60 * 1000;

    private static World world;
    private static List<SimOutcome> outcomes;

    @BeforeAll
    static void serveManyRequests() {
        world = World.create(WorldConfig.defaults(), 31);
        UniformRandomProvider rng = World.rng(32);
        outcomes = new ArrayList<>(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) {
            outcomes.add(world.respond(world.nextRequest(rng, 1_000L * i), UNIFORM, rng));
        }
    }

    @Test
    void shouldClickItemsShownAtTheTopMoreOften() {
        int shown = world.config().shownPositions();
        double[] clicks = new double[shown];
        for (SimOutcome o : outcomes) {
            for (SimFeedback f : o.feedback()) {
                if (f.task() == WorldConfig.CLICK) {
                    clicks[f.position()]++;
                }
            }
        }
        assertThat(clicks[0]).isGreaterThan(1.5 * clicks[2]);
        assertThat(clicks[2]).isGreaterThan(clicks[shown - 1]);
    }

    @Test
    void shouldExamineEachPositionWithProbabilityOneOverLog2OfPositionPlusTwo() {
        // Clicks per position divided by the clicks the shown items would get if always examined:
        // what remains is the examination probability alone, free of which items were ranked there.
        int shown = world.config().shownPositions();
        int n = world.tasks();
        double[] observed = new double[shown];
        double[] ifExamined = new double[shown];
        for (SimOutcome o : outcomes) {
            for (int pos = 0; pos < shown; pos++) {
                int j = o.ranking()[pos];
                observed[pos] += o.labels()[j * n + WorldConfig.CLICK];
                ifExamined[pos] += o.request().expectedLabels()[j * n + WorldConfig.CLICK];
            }
        }
        for (int pos : new int[] {0, 1, 4, shown - 1}) {
            double expected = 1.0 / (Math.log(pos + 2) / Math.log(2));
            assertThat(observed[pos] / ifExamined[pos]).as("position %d", pos).isCloseTo(expected, within(0.04));
        }
    }

    @Test
    void shouldMatchTheExpectedLabelsOnAverage() {
        int n = world.tasks();
        double[] observed = new double[n];
        double[] expected = new double[n];
        for (SimOutcome o : outcomes) {
            for (int pos = 0; pos < o.shown(); pos++) {
                int j = o.ranking()[pos];
                double exam = 1.0 / (Math.log(pos + 2) / Math.log(2));
                for (int k = 0; k < n; k++) {
                    observed[k] += o.labels()[j * n + k];
                    expected[k] += exam * o.request().expectedLabels()[j * n + k];
                }
            }
        }
        assertThat(observed[WorldConfig.CLICK] / expected[WorldConfig.CLICK]).isCloseTo(1.0, within(0.03));
        assertThat(observed[WorldConfig.ORDER] / expected[WorldConfig.ORDER]).isCloseTo(1.0, within(0.06));
        // amounts are heavy-tailed: a wider band
        assertThat(observed[WorldConfig.PROFIT] / expected[WorldConfig.PROFIT]).isCloseTo(1.0, within(0.2));
        assertThat(observed[WorldConfig.GMV] / expected[WorldConfig.GMV]).isCloseTo(1.0, within(0.2));
    }

    @Test
    void shouldNeverLabelItemsThatWereNotShown() {
        int n = world.tasks();
        for (SimOutcome o : outcomes.subList(0, 2_000)) {
            for (int pos = o.shown(); pos < o.ranking().length; pos++) {
                int j = o.ranking()[pos];
                for (int k = 0; k < n; k++) {
                    assertThat(o.labels()[j * n + k]).isZero();
                }
            }
        }
    }

    @Test
    void shouldLetBrowsersClickMoreAndBuyersConvertMore() {
        int archetypes = world.archetypeNames().size();
        double[] clicks = new double[archetypes];
        double[] orders = new double[archetypes];
        double[] requests = new double[archetypes];
        for (SimOutcome o : outcomes) {
            int a = o.request().archetype();
            requests[a]++;
            for (SimFeedback f : o.feedback()) {
                clicks[a] += f.task() == WorldConfig.CLICK ? 1 : 0;
                orders[a] += f.task() == WorldConfig.ORDER ? 1 : 0;
            }
        }
        int browser = world.archetypeNames().indexOf("browser");
        int buyer = world.archetypeNames().indexOf("buyer");
        assertThat(clicks[browser] / requests[browser]).isGreaterThan(clicks[buyer] / requests[buyer]);
        assertThat(orders[buyer] / clicks[buyer]).isGreaterThan(2 * orders[browser] / clicks[browser]);
    }

    @Test
    void shouldDelayFeedbackSoThatSomeOrdersArriveAfterTheAttributionWindow() {
        int orders = 0;
        int lateOrders = 0;
        int clicks = 0;
        int slowClicks = 0;
        for (SimOutcome o : outcomes) {
            long clickDelay = -1;
            for (SimFeedback f : o.feedback()) {
                assertThat(f.delayMillis()).isPositive();
                switch (f.task()) {
                    case WorldConfig.CLICK -> {
                        clicks++;
                        slowClicks += f.delayMillis() > 60_000 ? 1 : 0;
                        clickDelay = f.delayMillis();
                    }
                    case WorldConfig.ORDER -> {
                        orders++;
                        lateOrders += f.delayMillis() > ATTRIBUTION_WINDOW_MILLIS ? 1 : 0;
                        // an order follows the click of the same item, which was generated just before
                        assertThat(f.delayMillis()).isGreaterThan(clickDelay);
                    }
                    default -> assertThat(f.delayMillis()).isGreaterThan(clickDelay);
                }
            }
        }
        assertThat(orders).isGreaterThan(1_000);
        assertThat((double) lateOrders / orders).isBetween(0.03, 0.4);
        assertThat((double) slowClicks / clicks).isLessThan(0.01);
    }

    @Test
    void shouldEmitFeedbackThatAgreesWithTheLabels() {
        int n = world.tasks();
        for (SimOutcome o : outcomes.subList(0, 2_000)) {
            double[] fromEvents = new double[o.labels().length];
            for (SimFeedback f : o.feedback()) {
                assertThat(o.request().itemIds()[f.itemIndex()]).isEqualTo(f.itemId());
                assertThat(o.ranking()[f.position()]).isEqualTo(f.itemIndex());
                assertThat(f.type()).isEqualTo(world.feedbackTypes().get(f.task()));
                fromEvents[f.itemIndex() * n + f.task()] += f.value();
            }
            assertThat(fromEvents).containsExactly(o.labels());
        }
    }

    @Test
    void shouldRankByTheServedWeights() {
        UniformRandomProvider rng = World.rng(5);
        SimRequest r = world.nextRequest(rng, 0);
        int n = r.tasks();
        SimOutcome clickOnly = world.respond(r, new double[] {1, 0, 0, 0}, rng);
        int top = clickOnly.ranking()[0];
        for (int j = 0; j < r.items(); j++) {
            assertThat(r.scores()[top * n]).isGreaterThanOrEqualTo(r.scores()[j * n]);
        }
        SimOutcome gmvOnly = world.respond(r, new double[] {0, 0, 0, 1}, rng);
        assertThat(gmvOnly.ranking()).isNotEqualTo(clickOnly.ranking());
    }

    @Test
    void shouldRespondToAGivenRankingExactlyAsToTheRankingOfTheWeights() {
        SimRequest r = world.nextRequest(World.rng(6), 0);
        SimOutcome byWeights = world.respond(r, UNIFORM, World.rng(7));
        SimOutcome byRanking = world.respond(r, UNIFORM, byWeights.ranking(), World.rng(7));
        assertThat(byRanking.ranking()).containsExactly(byWeights.ranking());
        assertThat(byRanking.feedback()).isEqualTo(byWeights.feedback());

        int[] reversed = new int[r.items()];
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = byWeights.ranking()[reversed.length - 1 - i];
        }
        SimOutcome other = world.respond(r, UNIFORM, reversed, World.rng(8));
        for (SimFeedback f : other.feedback()) {
            assertThat(reversed[f.position()]).isEqualTo(f.itemIndex());
        }
        assertThatThrownBy(() -> world.respond(r, UNIFORM, new int[r.items()], World.rng(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectWeightsThatAreNotOnePerTaskAndNonNegative() {
        SimRequest r = world.nextRequest(World.rng(1), 0);
        assertThatThrownBy(() -> world.respond(r, new double[] {1, 0, 0}, World.rng(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> world.respond(r, new double[] {1, -1, 0.5, 0.5}, World.rng(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> world.respond(r, new double[] {Double.NaN, 0, 0, 1}, World.rng(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldPickDistinctCandidatesInIdOrderWithScoresAndTruthInRange() {
        for (SimOutcome o : outcomes.subList(0, 2_000)) {
            SimRequest r = o.request();
            assertThat(r.items()).isEqualTo(world.config().candidates());
            assertThat(r.itemIds()).isSorted().doesNotHaveDuplicates();
            for (double s : r.scores()) {
                assertThat(s).isPositive().isFinite();
            }
            for (int j = 0; j < r.items(); j++) {
                assertThat(r.scores()[j * 4 + WorldConfig.CLICK]).isLessThan(1.0);
                assertThat(r.scores()[j * 4 + WorldConfig.ORDER]).isLessThan(1.0);
                assertThat(r.expectedLabels()[j * 4 + WorldConfig.CLICK]).isBetween(0.0, 1.0);
                assertThat(r.expectedLabels()[j * 4 + WorldConfig.ORDER])
                        .isLessThanOrEqualTo(r.expectedLabels()[j * 4 + WorldConfig.CLICK]);
            }
        }
    }
}
