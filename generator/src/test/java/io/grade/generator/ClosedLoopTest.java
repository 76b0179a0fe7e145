package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.generator.Fixtures.Run;
import io.grade.generator.Fixtures.Sent;
import io.grade.model.fusion.Fusion;
import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.OnlineHoldout;
import io.grade.serving.ServingPolicy;
import io.grade.simulator.World;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The closed loop without Kafka: scheduling, delays, ids, determinism, what is served and measured. */
class ClosedLoopTest {

    private static final int REQUESTS = 2_000;
    private static GeneratorConfig config;
    private static Run run;

    @BeforeAll
    static void serve() {
        config = Fixtures.config(11).build();
        run = Fixtures.run(config, REQUESTS);
    }

    @Test
    void shouldProduceEveryRecordInEventTimeOrder() {
        EventCodec<Impression> impressions = EventCodec.impressions();
        EventCodec<Feedback> feedback = EventCodec.feedback();
        long previous = Long.MIN_VALUE;
        for (Sent s : run.sent()) {
            long t = s.topic() == ClosedLoop.Topic.IMPRESSIONS
                    ? impressions.decode(s.value()).value().getEventTime().toEpochMilli()
                    : feedback.decode(s.value()).value().getEventTime().toEpochMilli();
            assertThat(t).isGreaterThanOrEqualTo(previous);
            previous = t;
        }
        assertThat(run.impressions()).hasSize(REQUESTS);
        assertThat(run.feedback()).hasSizeGreaterThan(REQUESTS / 2);
        assertThat(run.loop().pendingFeedback()).isZero();
    }

    @Test
    void shouldPlaceRequestsOnTheEventTimeGridOfRateAndSpeedup() {
        List<Impression> imps = run.impressions();
        double interval = config.requestIntervalEventMillis();
        assertThat(interval).isEqualTo(600.0);
        for (int i = 0; i < imps.size(); i++) {
            assertThat(imps.get(i).getEventTime().toEpochMilli())
                    .isEqualTo(Fixtures.START.toEpochMilli() + (long) Math.floor(i * interval));
        }
    }

    @Test
    void shouldDelayEveryFeedbackAfterItsImpressionAndItsCause() {
        Map<String, Impression> byRequest = new HashMap<>();
        for (Impression i : run.impressions()) {
            byRequest.put(i.getRequestId(), i);
        }
        Map<String, Long> clickTime = new HashMap<>();
        Map<String, Long> orderTime = new HashMap<>();
        List<Feedback> all = run.feedback();
        for (Feedback f : all) {
            String itemKey = f.getRequestId() + "/" + f.getItemId();
            long t = f.getEventTime().toEpochMilli();
            if (f.getType().equals("click")) {
                clickTime.put(itemKey, t);
            } else if (f.getType().equals("order")) {
                orderTime.put(itemKey, t);
            }
        }
        int late = 0;
        int orders = 0;
        for (Feedback f : all) {
            Impression imp = byRequest.get(f.getRequestId());
            assertThat(imp).as("impression of %s", f.getEventId()).isNotNull();
            assertThat(f.getUserId()).isEqualTo(imp.getUserId());
            Item item = imp.getItems().stream().filter(it -> it.getItemId().equals(f.getItemId())).findFirst()
                    .orElseThrow();
            assertThat(item.getPosition()).as("feedback only for shown items").isBetween(0, 9);
            long delay = f.getEventTime().toEpochMilli() - imp.getEventTime().toEpochMilli();
            assertThat(delay).isPositive();
            String itemKey = f.getRequestId() + "/" + f.getItemId();
            switch (f.getType()) {
                case "click" -> assertThat(f.getValue()).isEqualTo(1.0);
                case "order" -> {
                    orders++;
                    if (delay > Fixtures.TEN_MINUTES) {
                        late++;
                    }
                    assertThat(f.getEventTime().toEpochMilli()).isGreaterThan(clickTime.get(itemKey));
                }
                default -> {
                    assertThat(f.getValue()).isPositive();
                    assertThat(f.getEventTime().toEpochMilli()).isGreaterThan(orderTime.get(itemKey));
                }
            }
        }
        // the world's delays put about 11 % of the orders after a 10-minute attribution window
        assertThat(orders).isGreaterThan(100);
        assertThat((double) late / orders).isBetween(0.04, 0.25);
    }

    @Test
    void shouldGiveEveryEventAUniqueIdAndKeyByUser() {
        Set<String> ids = new HashSet<>();
        for (Impression i : run.impressions()) {
            assertThat(ids.add(i.getEventId())).isTrue();
            assertThat(i.getRequestId()).isNotBlank();
        }
        for (Feedback f : run.feedback()) {
            assertThat(ids.add(f.getEventId())).as(f.getEventId()).isTrue();
        }
        EventCodec<Impression> impressions = EventCodec.impressions();
        for (Sent s : run.sent()) {
            if (s.topic() == ClosedLoop.Topic.IMPRESSIONS) {
                assertThat(s.key()).isEqualTo(impressions.decode(s.value()).value().getUserId());
            }
        }
    }

    @Test
    void shouldProduceIdenticalBytesForTheSameSeedAndOtherTrafficForAnother() {
        Run again = Fixtures.run(config, 300);
        Run first = Fixtures.run(config, 300);
        assertThat(again.sent()).hasSameSizeAs(first.sent());
        for (int i = 0; i < first.sent().size(); i++) {
            assertThat(again.sent().get(i).value()).isEqualTo(first.sent().get(i).value());
        }
        Run other = Fixtures.run(Fixtures.config(12).build(), 300);
        assertThat(other.impressions().get(0).getFeatures()).isNotEqualTo(first.impressions().get(0).getFeatures());
    }

    @Test
    void shouldShowTheSameRequestsWhateverPolicyIsServed() {
        World world = Fixtures.world(config.worldSeed());
        ServingPolicy learned = Fixtures.servingPolicy(Fixtures.randomSnapshot(world, "default", 3, 5),
                Fixtures.staticPolicy(world, config));
        List<Impression> fixed = Fixtures.run(config, 400).impressions();
        List<Impression> personal = Fixtures.run(config, (i, fallback) -> learned, 400).impressions();
        int differentRankings = 0;
        for (int i = 0; i < fixed.size(); i++) {
            Impression a = fixed.get(i);
            Impression b = personal.get(i);
            assertThat(b.getUserId()).isEqualTo(a.getUserId());
            assertThat(b.getFeatures()).isEqualTo(a.getFeatures());
            assertThat(b.getEventTime()).isEqualTo(a.getEventTime());
            for (int j = 0; j < a.getItems().size(); j++) {
                assertThat(b.getItems().get(j).getItemId()).isEqualTo(a.getItems().get(j).getItemId());
                assertThat(b.getItems().get(j).getScores()).isEqualTo(a.getItems().get(j).getScores());
            }
            if (!positions(a).equals(positions(b))) {
                differentRankings++;
            }
            assertThat(a.getPolicyVersion()).isZero();
            assertThat(b.getPolicyVersion()).isEqualTo(3);
        }
        assertThat(differentRankings).isGreaterThan(fixed.size() / 2);
    }

    @Test
    void controlUsersOfTheOnlineHoldoutShouldBeRankedWithStaticWeightsAndRecordedAsControl() {
        World world = Fixtures.world(config.worldSeed());
        ServingPolicy fallback = Fixtures.staticPolicy(world, config);
        ServingPolicy learned = Fixtures.servingPolicy(Fixtures.randomSnapshot(world, "default", 3, 5), fallback);
        GeneratorConfig ab = Fixtures.config(11).controlShare(0.3).controlSalt("exp-7").build();
        OnlineHoldout holdout = OnlineHoldout.of(0.3, "exp-7");
        List<Impression> imps = Fixtures.run(ab, (i, f) -> learned, 600).impressions();
        Map<String, ExperimentArm> armOfUser = new HashMap<>();
        int control = 0;
        for (Impression imp : imps) {
            ExperimentArm arm = imp.getArm();
            assertThat(arm).isEqualTo(holdout.armOf(imp.getUserId()));
            assertThat(armOfUser.computeIfAbsent(imp.getUserId(), u -> arm)).as("arm of %s", imp.getUserId()).isEqualTo(arm);
            if (arm == ExperimentArm.CONTROL) {
                control++;
                assertThat(imp.getPolicyVersion()).isZero();
                assertThat(imp.getServedWeights()).containsExactly(0.25, 0.25, 0.25, 0.25);
            } else {
                assertThat(arm).isEqualTo(ExperimentArm.TREATMENT);
                assertThat(imp.getPolicyVersion()).isEqualTo(learned.version());
            }
        }
        assertThat(control).isBetween(60, 300);
        GeneratorConfig none = Fixtures.config(11).build();
        assertThat(Fixtures.run(none, (i, f) -> learned, 50).impressions())
                .allSatisfy(imp -> assertThat(imp.getArm()).isEqualTo(ExperimentArm.UNASSIGNED));
    }

    @Test
    void shouldRecordTheWeightsServedAndShowTheRankingTheyMake() {
        World world = Fixtures.world(config.worldSeed());
        ServingPolicy fallback = Fixtures.staticPolicy(world, config);
        PolicySnapshot snapshot = Fixtures.randomSnapshot(world, "default", 4, 9);
        ServingPolicy learned = Fixtures.servingPolicy(snapshot, fallback);
        // static weights for the first 100 requests, then the policy arrives
        Run switched = Fixtures.run(config, (i, f) -> i < 100 ? f : learned, 300);
        List<Impression> imps = switched.impressions();
        for (int i = 0; i < imps.size(); i++) {
            Impression imp = imps.get(i);
            ServingPolicy expected = i < 100 ? fallback : learned;
            assertThat(imp.getPolicyVersion()).isEqualTo(expected.version());
            assertThat(imp.getModelId()).isEqualTo("default");
            float[] x = new float[imp.getFeatures().size()];
            for (int k = 0; k < x.length; k++) {
                x[k] = imp.getFeatures().get(k);
            }
            double[] w = new double[4];
            expected.weights(x, w);
            assertThat(imp.getServedWeights()).containsExactly(w[0], w[1], w[2], w[3]);
            assertThat(positions(imp)).isEqualTo(shownByRanking(imp, expected, w, 10));
        }
    }

    @Test
    void shouldExploreAroundTheLearnedWeightsOnlyWhenAskedAndNeverWithStaticWeights() {
        World world = Fixtures.world(config.worldSeed());
        ServingPolicy learned = Fixtures.servingPolicy(Fixtures.randomSnapshot(world, "default", 6, 13),
                Fixtures.staticPolicy(world, config));
        GeneratorConfig exploring = Fixtures.config(11).explore(true).build();
        List<Impression> imps = Fixtures.run(exploring, (i, f) -> i < 50 ? f : learned, 200).impressions();
        List<Impression> again = Fixtures.run(exploring, (i, f) -> i < 50 ? f : learned, 200).impressions();
        int moved = 0;
        for (int i = 0; i < imps.size(); i++) {
            Impression imp = imps.get(i);
            assertThat(imp.getServedWeights()).isEqualTo(again.get(i).getServedWeights());
            assertThat(imp.getServedWeights().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-9));
            if (i < 50) {
                assertThat(imp.getServedWeights()).containsExactly(0.25, 0.25, 0.25, 0.25);
                continue;
            }
            float[] x = new float[imp.getFeatures().size()];
            for (int k = 0; k < x.length; k++) {
                x[k] = imp.getFeatures().get(k);
            }
            double[] pi = new double[4];
            learned.weights(x, pi);
            if (imp.getServedWeights().get(0) != pi[0]) {
                moved++;
            }
            assertThat(positions(imp)).isEqualTo(shownByRanking(imp, learned,
                    imp.getServedWeights().stream().mapToDouble(Double::doubleValue).toArray(), 10));
        }
        assertThat(moved).isEqualTo(150);
    }

    @Test
    void shouldMeasureServedStaticAndOracleOnTheSameRequests() {
        World world = Fixtures.world(config.worldSeed());
        ServingPolicy learned = Fixtures.servingPolicy(Fixtures.randomSnapshot(world, "default", 2, 21),
                Fixtures.staticPolicy(world, config));
        GeneratorConfig withOracle = Fixtures.config(11).oracleEvery(2).build();
        Run measured = Fixtures.run(withOracle, (i, f) -> i < 200 ? f : learned, 400);
        GeneratorStats s = measured.stats().snapshot(2);
        GeneratorStats.RewardSummary v0 = s.byVersion().get(0L);
        GeneratorStats.RewardSummary v2 = s.byVersion().get(2L);
        assertThat(v0.requests()).isEqualTo(200);
        assertThat(v2.requests()).isEqualTo(200);
        // under the static policy the served ranking is the static one
        assertThat(v0.served()).isEqualTo(v0.staticWeights());
        assertThat(v2.served()).isNotEqualTo(v2.staticWeights());
        assertThat(s.overall().oracleRequests()).isEqualTo(200);
        // the simulator's oracle beats static weights by ~20 % (docs/design-simulator.md)
        assertThat(s.overall().oracle()).isGreaterThan(1.1 * s.overall().staticOnOracleSample());
        assertThat(s.overall().served()).isBetween(0.0, 1.0);
        assertThat(s.overall().served()).isCloseTo((v0.served() + v2.served()) / 2, within(1e-12));
        assertThat(s.first().requests()).isEqualTo(80);
        assertThat(s.first().served()).isEqualTo(s.first().staticWeights());
        assertThat(s.last().requests()).isEqualTo(80);
        assertThat(s.last().firstRequest()).isEqualTo(320);
    }

    @Test
    void shouldInjectMalformedRecordsBesideAnUnchangedValidStream() {
        GeneratorConfig bad = Fixtures.config(11).malformedRate(0.2).build();
        Run dirty = Fixtures.run(bad, 300);
        Run clean = Fixtures.run(config, 300);
        EventCodec<Impression> impressions = EventCodec.impressions();
        EventCodec<Feedback> feedback = EventCodec.feedback();
        List<byte[]> valid = new ArrayList<>();
        int invalid = 0;
        for (Sent s : dirty.sent()) {
            if (s.kind() == null) {
                // what the sink is told is valid decodes as a valid, generated event
                String id = s.topic() == ClosedLoop.Topic.IMPRESSIONS
                        ? impressions.decode(s.value()).value().getEventId()
                        : feedback.decode(s.value()).value().getEventId();
                assertThat(id).doesNotStartWith("bad-");
                valid.add(s.value());
            } else {
                invalid++;
            }
        }
        assertThat(valid).hasSameSizeAs(clean.sent());
        for (int i = 0; i < valid.size(); i++) {
            assertThat(valid.get(i)).isEqualTo(clean.sent().get(i).value());
        }
        GeneratorStats s = dirty.stats().snapshot(0);
        assertThat(invalid).isEqualTo(s.malformedEvents());
        assertThat((double) invalid / valid.size()).isBetween(0.12, 0.28);
        // ~100 bad records drawn by weight from 35 kinds (MalformedRecordsTest draws every kind)
        assertThat(s.malformedByKind().values().stream().filter(n -> n > 0).count()).isGreaterThan(20);
    }

    @Test
    void shouldDrawOnlyTheConfiguredKindsAndFollowARateChangedWhileRunning() {
        GeneratorConfig only = Fixtures.config(11).malformedRate(1)
                .malformedKinds(java.util.EnumSet.of(MalformedKind.TOMBSTONE, MalformedKind.UNKNOWN_ITEM)).build();
        Run run = Fixtures.run(only, 50);
        assertThat(run.sent().stream().map(Sent::kind).filter(java.util.Objects::nonNull).distinct())
                .containsExactlyInAnyOrder(MalformedKind.TOMBSTONE, MalformedKind.UNKNOWN_ITEM);
        // feedback events get tombstones only (UNKNOWN_ITEM derives from impressions, and goes to feedback)
        assertThat(run.sent().stream().filter(x -> x.kind() == MalformedKind.UNKNOWN_ITEM)
                .allMatch(x -> x.topic() == ClosedLoop.Topic.FEEDBACK && x.value() != null)).isTrue();
        assertThat(run.sent().stream().filter(x -> x.kind() == MalformedKind.TOMBSTONE)
                .allMatch(x -> x.value() == null && x.key() != null)).isTrue();
    }

    private static List<Integer> positions(Impression imp) {
        List<Integer> p = new ArrayList<>();
        for (Item it : imp.getItems()) {
            p.add(it.getPosition());
        }
        return p;
    }

    /** Positions the ranking by weights w of the impression's own scores gives (what a learner would replay). */
    private static List<Integer> shownByRanking(Impression imp, ServingPolicy policy, double[] w, int shown) {
        int m = imp.getItems().size();
        int n = w.length;
        double[] scores = new double[m * n];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < n; k++) {
                scores[j * n + k] = imp.getItems().get(j).getScores().get(k);
            }
        }
        double[] z = Fusion.inputs(policy.fusion(), scores, m, n, policy.betas());
        double[] fused = new double[m];
        Fusion.fuse(z, m, n, w, fused);
        int[] order = new int[m];
        Fusion.rankDescending(fused, m, order);
        List<Integer> p = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            p.add(-1);
        }
        for (int pos = 0; pos < shown; pos++) {
            p.set(order[pos], pos);
        }
        return p;
    }
}
