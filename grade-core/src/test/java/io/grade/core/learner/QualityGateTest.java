package io.grade.core.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.core.data.TrainingRequest;
import io.grade.core.policy.PolicyNetwork;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RewardConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QualityGateTest {

    private static final int ITEMS = 20;
    private static final int TASKS = 2;
    private static final int FEATURES = 3;
    private static final CompositeReward REWARD = new CompositeReward(RewardConfig.defaults(TASKS));
    private static final WeightsFunction GOOD = WeightsFunction.constant(new double[] {1, 0});
    private static final WeightsFunction MIXED = WeightsFunction.constant(new double[] {0.5, 0.5});
    private static final WeightsFunction BAD = WeightsFunction.constant(new double[] {0, 1});

    /**
     * Requests whose task-0 labels are positive for the three items with the highest task-0
     * scores (z = scores, linear fusion), task-1 labels all zero: weights on task 0 rank perfectly
     * (R_post 1), weights on task 1 rank by an unrelated score. With {@code unlabelled} extra
     * requests that have no positive label at all.
     */
    private static HoldoutWindow window(int labelled, int unlabelled, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        HoldoutWindow w = new HoldoutWindow(labelled + unlabelled);
        for (int r = 0; r < labelled + unlabelled; r++) {
            double[] x = new double[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                x[i] = rng.nextDouble(-1, 1);
            }
            double[] scores = new double[ITEMS * TASKS];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = rng.nextDouble();
            }
            double[] task0 = new double[ITEMS];
            for (int j = 0; j < ITEMS; j++) {
                task0[j] = scores[j * TASKS];
            }
            double[] sorted = task0.clone();
            Arrays.sort(sorted);
            double[] labels = new double[ITEMS * TASKS];
            if (r < labelled) {
                for (int j = 0; j < ITEMS; j++) {
                    labels[j * TASKS] = task0[j] >= sorted[ITEMS - 3] ? 1 : 0;
                }
            }
            w.add(new TrainingRequest(x, scores, labels, scores, ITEMS, TASKS));
        }
        return w;
    }

    private static QualityGate gate(double margin, int minRequests) {
        return new QualityGate(new QualityGateConfig(margin, 1.645, minRequests, 3));
    }

    @Test
    void shouldAcceptACandidateEqualToTheCurrentPolicy() {
        QualityGate.Verdict v = new QualityGate(QualityGateConfig.defaults())
                .judge(MIXED, MIXED, window(300, 0, 1), REWARD);
        assertThat(v.accepted()).isTrue();
        assertThat(v.n()).isEqualTo(300);
        assertThat(v.meanDiff()).isZero();
        assertThat(v.standardError()).isZero();
        assertThat(v.candidateMean()).isEqualTo(v.currentMean()).isBetween(0.1, 0.99);
        assertThat(v.reason()).startsWith("accepted: ");
    }

    @Test
    void shouldJudgeAFirstVersionAgainstTheWeightsEachRequestWasServedWith() {
        HoldoutWindow labelled = window(300, 0, 9);
        HoldoutWindow served = new HoldoutWindow(labelled.capacity() + 1);
        for (int slot = 0; slot < labelled.size(); slot++) {
            // half the traffic was served the good weights, half the mixed ones
            served.add(labelled.get(slot), slot % 2 == 0 ? new double[] {1, 0} : new double[] {0.5, 0.5});
        }
        served.add(labelled.get(0), null); // served weights unknown: skipped, not judged
        QualityGate g = new QualityGate(QualityGateConfig.defaults());
        QualityGate.Verdict bad = g.judgeAgainstServed(BAD, served, REWARD);
        assertThat(bad.accepted()).isFalse();
        assertThat(bad.n()).isEqualTo(300);
        assertThat(bad.reason()).contains("1 skipped");
        QualityGate.Verdict good = g.judgeAgainstServed(GOOD, served, REWARD);
        assertThat(good.accepted()).isTrue();
        assertThat(good.meanDiff()).isPositive();
        // the served weights are the current policy: the same as judging against them directly
        assertThat(g.judgeAgainstServed(MIXED, served, REWARD).currentMean())
                .isCloseTo((g.judge(MIXED, GOOD, labelled, REWARD).currentMean()
                        + g.judge(MIXED, MIXED, labelled, REWARD).currentMean()) / 2, within(0.05));
    }

    @Test
    void shouldAcceptABetterCandidate() {
        QualityGate.Verdict v = new QualityGate(QualityGateConfig.defaults()).judge(GOOD, MIXED, window(300, 0, 2), REWARD);
        assertThat(v.accepted()).isTrue();
        assertThat(v.candidateMean()).isCloseTo(1.0, within(1e-12));
        assertThat(v.meanDiff()).isPositive().isCloseTo(v.candidateMean() - v.currentMean(), within(1e-12));
        assertThat(v.standardError()).isPositive();
    }

    @Test
    void shouldRejectAClearlyWorseCandidate() {
        QualityGate.Verdict v = new QualityGate(QualityGateConfig.defaults()).judge(BAD, GOOD, window(300, 0, 3), REWARD);
        assertThat(v.accepted()).isFalse();
        assertThat(v.n()).isEqualTo(300);
        assertThat(v.currentMean()).isCloseTo(1.0, within(1e-12));
        assertThat(v.meanDiff() + 1.645 * v.standardError()).isLessThan(-QualityGateConfig.DEFAULT_MARGIN);
        assertThat(v.reason()).startsWith("rejected: ");
    }

    @Test
    void shouldRejectOnlyWhenConfidentlyWorseThanTheMargin() {
        HoldoutWindow w = window(300, 0, 4);
        QualityGate.Verdict strict = gate(0.0, 200).judge(BAD, GOOD, w, REWARD);
        assertThat(strict.accepted()).isFalse();
        double worse = -strict.meanDiff();
        double halfWidth = 1.645 * strict.standardError();
        assertThat(halfWidth).isPositive();
        // worse than the margin on average, but not by more than the confidence half-width: accepted
        double inside = worse - 0.5 * halfWidth;
        QualityGate.Verdict uncertain = gate(inside, 200).judge(BAD, GOOD, w, REWARD);
        assertThat(uncertain.meanDiff()).isEqualTo(strict.meanDiff()).isLessThan(-inside);
        assertThat(uncertain.accepted()).isTrue();
        // worse than the margin by more than the half-width: rejected
        assertThat(gate(worse - 1.5 * halfWidth, 200).judge(BAD, GOOD, w, REWARD).accepted()).isFalse();
        // a margin beyond the whole difference lets the same candidate through
        assertThat(gate(worse + 0.01, 200).judge(BAD, GOOD, w, REWARD).accepted()).isTrue();
    }

    @Test
    void shouldDeferBelowMinRequestsAndSkipRequestsWithoutPositiveLabels() {
        HoldoutWindow w = window(150, 400, 5);
        QualityGate.Verdict v = gate(0.005, 200).judge(GOOD, GOOD, w, REWARD);
        assertThat(v.n()).isEqualTo(150);
        // nothing is published unjudged, not even a candidate equal to the current policy
        assertThat(v.decision()).isEqualTo(QualityGate.Decision.DEFER);
        assertThat(v.accepted()).isFalse();
        assertThat(v.reason()).startsWith("deferred: ").contains("400 skipped");
        v = gate(0.005, 200).judge(BAD, GOOD, w, REWARD);
        assertThat(v.decision()).isEqualTo(QualityGate.Decision.DEFER);
        assertThat(v.meanDiff()).isNegative();
        // the same requests judged with a lower threshold: the unlabelled ones do not dilute the mean
        QualityGate.Verdict judged = gate(0.005, 100).judge(BAD, GOOD, w, REWARD);
        assertThat(judged.accepted()).isFalse();
        assertThat(judged.meanDiff()).isEqualTo(v.meanDiff());
    }

    @Test
    void shouldDeferOnAnEmptyWindow() {
        QualityGate.Verdict v = new QualityGate(QualityGateConfig.defaults()).judge(BAD, GOOD, new HoldoutWindow(10), REWARD);
        assertThat(v.decision()).isEqualTo(QualityGate.Decision.DEFER);
        assertThat(v.n()).isZero();
        assertThat(v.meanDiff()).isNaN();
    }

    @Test
    void shouldRejectACandidateWithNonFiniteWeights() {
        WeightsFunction broken = (x, out) -> Arrays.fill(out, Double.NaN);
        QualityGate.Verdict v = gate(0.005, 2).judge(broken, GOOD, window(10, 0, 6), REWARD);
        assertThat(v.accepted()).isFalse();
        assertThat(v.reason()).contains("not finite");
        assertThatThrownBy(() -> gate(0.005, 2).judge(GOOD, broken, window(10, 0, 6), REWARD))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("current weights not finite");
    }

    @Test
    void shouldRejectACorruptedPolicyNetworkAgainstGoodStaticWeights() {
        PolicyArchitecture arch = new PolicyArchitecture(FEATURES, 2, 8, 8, TASKS, 1e-3);
        PolicyParameters initial = new PolicyNetwork(arch, 11).parameters();
        WeightsFunction fallback = WeightsFunction.constant(new double[] {0.9, 0.1});
        HoldoutWindow w = window(400, 0, 7);
        QualityGate gate = new QualityGate(QualityGateConfig.defaults());

        PolicyForward corrupted = new PolicyForward(arch, withOutputBias(initial, -20, 20));
        double[] pi = new double[TASKS];
        corrupted.weights(w.get(0).features(), pi);
        assertThat(pi[1]).isGreaterThan(0.99);
        QualityGate.Verdict rejected = gate.judge(corrupted, fallback, w, REWARD);
        assertThat(rejected.accepted()).isFalse();
        assertThat(rejected.meanDiff()).isLessThan(-0.1);

        // control: the same network with the bias on the good task is not rejected
        PolicyForward healthy = new PolicyForward(arch, withOutputBias(initial, 20, -20));
        QualityGate.Verdict accepted = gate.judge(healthy, fallback, w, REWARD);
        assertThat(accepted.accepted()).isTrue();
        assertThat(accepted.candidateMean()).isGreaterThan(rejected.candidateMean() + 0.1);
    }

    private static PolicyParameters withOutputBias(PolicyParameters p, double b0, double b1) {
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (String name : p.names()) {
            double[] values = name.equals(PolicyArchitecture.OUT_B) ? new double[] {b0, b1} : p.values(name);
            b.put(name, p.shape(name), values);
        }
        return b.build();
    }

    @Test
    void shouldValidateTheConfigNamingTheField() {
        assertThatThrownBy(() -> new QualityGateConfig(-0.1, 1.645, 200, 3)).hasMessageStartingWith("margin");
        assertThatThrownBy(() -> new QualityGateConfig(Double.NaN, 1.645, 200, 3)).hasMessageStartingWith("margin");
        assertThatThrownBy(() -> new QualityGateConfig(0.005, -1, 200, 3)).hasMessageStartingWith("confidenceZ");
        assertThatThrownBy(() -> new QualityGateConfig(0.005, Double.POSITIVE_INFINITY, 200, 3))
                .hasMessageStartingWith("confidenceZ");
        assertThatThrownBy(() -> new QualityGateConfig(0.005, 1.645, 1, 3)).hasMessageStartingWith("minRequests");
        assertThatThrownBy(() -> new QualityGateConfig(0.005, 1.645, 200, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxConsecutiveRejections");
        assertThat(QualityGateConfig.defaults()).isEqualTo(new QualityGateConfig(0.005, 1.645, 200, 3));
    }

    @Test
    void shouldRollBackAfterConsecutiveRejectionsOnly() {
        RejectionTracker t = new RejectionTracker(QualityGateConfig.defaults());
        QualityGate.Verdict no = new QualityGate.Verdict(QualityGate.Decision.REJECT, 300, 0.2, 0.9, -0.7, 0.01, "rejected");
        QualityGate.Verdict yes = new QualityGate.Verdict(QualityGate.Decision.PUBLISH, 300, 0.9, 0.9, 0, 0, "accepted");
        QualityGate.Verdict later = new QualityGate.Verdict(QualityGate.Decision.DEFER, 10, 0.9, 0.9, 0, 0, "deferred");
        t.record(no);
        t.record(later); // a deferral neither counts nor resets
        t.record(no);
        assertThat(t.consecutiveRejections()).isEqualTo(2);
        assertThat(t.shouldRollBack()).isFalse();
        t.record(yes);
        assertThat(t.consecutiveRejections()).isZero();
        t.record(no);
        t.record(no);
        t.record(no);
        assertThat(t.shouldRollBack()).isTrue();
        t.rollBackTaken();
        assertThat(t.shouldRollBack()).isFalse();
        assertThat(t.consecutiveRejections()).isZero();

        RejectionTracker restored = new RejectionTracker(3);
        restored.setConsecutiveRejections(2);
        assertThat(restored.shouldRollBack()).isFalse();
        restored.record(no);
        assertThat(restored.shouldRollBack()).isTrue();
        assertThatThrownBy(() -> restored.setConsecutiveRejections(-1)).hasMessageStartingWith("consecutiveRejections");
    }
}
