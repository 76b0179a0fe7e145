package io.grade.core.learner;

import io.grade.core.data.TrainingRequest;
import io.grade.model.policy.PolicyForward;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RequestReward;
import java.util.Objects;

/**
 * The last check before a candidate policy version is published: the candidate and the policy
 * serving now (the published version or the static fallback weights) are scored on the same
 * held-out labelled requests ({@link HoldoutWindow}) with the learner's counterfactual estimator,
 * R_post of the ranking by the fused score under each one's weights ({@link RequestReward#post}).
 * The per-request differences d_i = candidate_i - current_i are paired, so the large spread
 * between requests cancels and only the policies' difference is left.
 *
 * <p>Rule: reject iff {@code n >= minRequests} and {@code mean(d) + z * se(d) < -margin}, with
 * se(d) = sd(d) / sqrt(n) (sample sd): reject only when confident the candidate is worse by more
 * than the margin. A candidate whose weights are not finite on some request is rejected outright.
 *
 * <p>Decisions documented here:
 * <ul>
 *   <li>Requests without any positive label are skipped and not counted in n: R_post is 0 for
 *       every ranking, so they would add d_i = 0, shrinking the standard error and diluting the
 *       mean towards 0 without saying anything about either policy.</li>
 *   <li>With fewer than {@code minRequests} informative requests the gate cannot judge and
 *       defers: nothing is published unjudged, so a cold job's first version waits until the
 *       holdout has enough labelled requests to show it is not worse than the served weights.</li>
 * </ul>
 *
 * <p>Immutable; {@link #judge} allocates its own scratch, so concurrent calls are safe as long as
 * the window is not written meanwhile and the {@link WeightsFunction}s are safe to call.
 */
public final class QualityGate {

    /**
     * The gate's decision and the numbers behind it.
     *
     * @param accepted whether the candidate may be published
     * @param n held-out requests judged (those with a positive label)
     * @param candidateMean mean R_post of the candidate on them (NaN when n is 0)
     * @param currentMean mean R_post of the current policy on them (NaN when n is 0)
     * @param meanDiff mean paired difference, candidate minus current (NaN when n is 0)
     * @param standardError the sample standard error of meanDiff (NaN when n < 2)
     * @param reason a one-line explanation for logs and metrics
     */
    public record Verdict(Decision decision, int n, double candidateMean, double currentMean, double meanDiff,
                          double standardError, String reason) {

        /** True when the candidate may be published. */
        public boolean accepted() {
            return decision == Decision.PUBLISH;
        }
    }

    /** What the learner does with a candidate. */
    public enum Decision {
        /** Not worse than the current policy beyond the margin: publish it. */
        PUBLISH,
        /** Worse than the current policy beyond the margin, with confidence: do not publish; counts toward a rollback. */
        REJECT,
        /** Too few held-out requests to judge: do not publish yet, try again later; not a rejection. */
        DEFER
    }

    private final QualityGateConfig config;

    public QualityGate(QualityGateConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public QualityGateConfig config() {
        return config;
    }

    /** Judges a candidate policy version against the current policy; see the class comment. */
    public Verdict judge(PolicyForward candidate, WeightsFunction current, HoldoutWindow window,
                         CompositeReward reward) {
        return judge(WeightsFunction.of(candidate), current, window, reward);
    }

    /**
     * Judges any candidate weights against the current policy on every request in the window.
     *
     * @throws IllegalStateException when the current policy's weights are not finite (the
     *     published policy or the fallback is broken: no verdict on the candidate can help)
     */
    public Verdict judge(WeightsFunction candidate, WeightsFunction current, HoldoutWindow window,
                         CompositeReward reward) {
        Objects.requireNonNull(current, "current");
        return judge(candidate, (slot, x, out) -> {
            current.weights(x, out);
            return true;
        }, window, reward);
    }

    /**
     * Judges a candidate against the weights each held-out request was actually served with (the
     * logging policy): how a first version is judged, before anything was published, against the
     * serving fallback whatever its weights are. A request whose served weights were not recorded
     * or do not fit the task count is skipped.
     */
    public Verdict judgeAgainstServed(WeightsFunction candidate, HoldoutWindow window, CompositeReward reward) {
        Objects.requireNonNull(window, "window");
        int tasks = reward.config().tasks();
        return judge(candidate, (slot, x, out) -> {
            double[] w = window.served(slot);
            if (w == null || w.length != tasks) {
                return false;
            }
            System.arraycopy(w, 0, out, 0, tasks);
            return true;
        }, window, reward);
    }

    /** The current policy's weights for the request in a slot; false when it has none (skipped). */
    @FunctionalInterface
    private interface SlotWeights {
        boolean weights(int slot, double[] x, double[] out);
    }

    private Verdict judge(WeightsFunction candidate, SlotWeights current, HoldoutWindow window,
                          CompositeReward reward) {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(reward, "reward");
        int tasks = reward.config().tasks();
        double[] wCand = new double[tasks];
        double[] wCur = new double[tasks];
        double[] x = new double[0];
        RequestReward rr = null;
        // Welford: mean and sum of squared deviations of d in one stable pass
        int n = 0;
        double sumCand = 0;
        double sumCur = 0;
        double meanD = 0;
        double m2 = 0;
        int skipped = 0;
        for (int slot = 0; slot < window.size(); slot++) {
            TrainingRequest r = window.get(slot);
            if (!r.hasPositiveLabel()) {
                skipped++;
                continue;
            }
            if (x.length != r.featureDim()) {
                x = new double[r.featureDim()];
            }
            r.copyFeaturesInto(x, 0);
            candidate.weights(x, wCand);
            if (!allFinite(wCand)) {
                return new Verdict(Decision.REJECT, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                        "rejected: candidate weights not finite on the held-out request in slot " + slot);
            }
            if (!current.weights(slot, x, wCur)) {
                skipped++;
                continue;
            }
            if (!allFinite(wCur)) {
                throw new IllegalStateException("current weights not finite on the held-out request in slot " + slot);
            }
            rr = r.prepareReward(reward, rr);
            double cand = rr.post(wCand);
            double cur = rr.post(wCur);
            sumCand += cand;
            sumCur += cur;
            double d = cand - cur;
            n++;
            double delta = d - meanD;
            meanD += delta / n;
            m2 += delta * (d - meanD);
        }
        double candMean = n == 0 ? Double.NaN : sumCand / n;
        double curMean = n == 0 ? Double.NaN : sumCur / n;
        double diff = n == 0 ? Double.NaN : meanD;
        double se = n < 2 ? Double.NaN : Math.sqrt(m2 / (n - 1) / n);
        String counts = n + " held-out requests judged, " + skipped + " skipped (no positive label or no served weights)";
        if (n < config.minRequests()) {
            return new Verdict(Decision.DEFER, n, candMean, curMean, diff, se,
                    "deferred: " + counts + ", fewer than minRequests = " + config.minRequests());
        }
        double upper = diff + config.confidenceZ() * se;
        boolean reject = upper < -config.margin();
        String bound = String.format(java.util.Locale.ROOT,
                "meanDiff %.5f + z %.3f * se %.5f = %.5f %s -margin %.5f (candidate %.5f, current %.5f; %s)",
                diff, config.confidenceZ(), se, upper, reject ? "<" : ">=", config.margin(), candMean, curMean, counts);
        return new Verdict(reject ? Decision.REJECT : Decision.PUBLISH, n, candMean, curMean, diff, se,
                (reject ? "rejected: candidate worse than current beyond the margin: "
                        : "accepted: candidate not worse than current beyond the margin: ") + bound);
    }

    private static boolean allFinite(double[] w) {
        for (double v : w) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
