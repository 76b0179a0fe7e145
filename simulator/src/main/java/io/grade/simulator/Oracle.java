package io.grade.simulator;

import io.grade.model.search.SimplexSearch;
import io.grade.model.fusion.Fusion;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.FormatConstraints;
import io.grade.model.reward.RequestReward;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The all-knowing judge of fusion weights: expected R_post under the true expected labels, and the
 * best weight vector per request (personalised oracle) or over a set of requests (best static).
 *
 * <p>Expected R_post of weights w on a request is the product's R_post (grade-model
 * {@link RequestReward#post}) of the ranking by the fused scores f(w), with the request's true
 * expected labels as gains. Because a shown item is examined with probability 1/log2(pos + 2),
 * exactly the NDCG discount, the DCG of a task is the expected sum of its labels over the shown
 * list: maximising it maximises expected feedback, task by task. The search is {@link SimplexSearch}.
 * Thread-safe; an {@link Evaluator} is not.
 */
public final class Oracle {

    private final FusionKind fusionKind;
    private final double[] betas;
    private final CompositeReward reward;
    private final SimplexSearch search;

    /**
     * @param fusionKind fusion used to rank
     * @param betas LOG_LINEAR smoothing bias per task
     * @param ndcgK NDCG cut-off
     * @param taskImportance c_k per task
     * @param search the simplex search used by {@link #solve} and {@link #bestStatic}
     */
    public Oracle(FusionKind fusionKind, double[] betas, int ndcgK, double[] taskImportance, SimplexSearch search) {
        this.fusionKind = fusionKind;
        this.betas = betas.clone();
        // Only R_post matters here; prior and format are the learner's shaping terms, not the goal.
        this.reward = new CompositeReward(new RewardConfig(ndcgK, taskImportance, 1.0, 0.0, 0.0,
                RewardConfig.DEFAULT_TAU, FormatConstraints.none()));
        this.search = search;
    }

    /** The best weights for one request and their expected R_post. */
    public record Solution(double[] weights, double expectedPost) {}

    /** Expected R_post of many weight vectors on one prepared request; holds scratch, not thread-safe. */
    public final class Evaluator {
        private final RequestReward requestReward;

        private Evaluator(SimRequest r) {
            double[] z = Fusion.inputs(fusionKind, r.scores(), r.items(), r.tasks(), betas);
            this.requestReward = reward.prepare(z, r.scores(), r.expectedLabels(), r.items(), r.tasks());
        }

        /** Expected R_post of the ranking by f(w). */
        public double expectedPost(double[] w) {
            return requestReward.post(w);
        }

        /** Expected R_post of a given ranking (candidate indices in shown order), e.g. the served one. */
        public double expectedPostOfRanking(int[] ranking) {
            // the weights only feed R_format, which the oracle's reward leaves out
            return requestReward.evaluateRanking(ranking, new double[requestReward.tasks()]).post();
        }
    }

    /** Prepares a request for evaluating many weight vectors. */
    public Evaluator evaluator(SimRequest r) {
        return new Evaluator(r);
    }

    /**
     * R_post of what actually happened: the served ranking of {@code outcome} with the labels the
     * user gave (not their expectation), as the job computes it from the joined feedback.
     */
    public double realisedPost(SimOutcome outcome) {
        SimRequest r = outcome.request();
        double[] z = Fusion.inputs(fusionKind, r.scores(), r.items(), r.tasks(), betas);
        return reward.prepare(z, r.scores(), outcome.labels(), r.items(), r.tasks())
                .evaluateRanking(outcome.ranking(), new double[r.tasks()]).post();
    }

    /** Expected R_post of weights w on request r. */
    public double expectedPost(SimRequest r, double[] w) {
        return evaluator(r).expectedPost(w);
    }

    /** The best weights for r (grid plus local refinement) and their expected R_post. */
    public Solution solve(SimRequest r) {
        Evaluator e = evaluator(r);
        SimplexSearch.Result best = search.maximise(r.tasks(), e::expectedPost);
        return new Solution(best.point(), best.value());
    }

    /** The best weights for r: the personalised oracle's choice. */
    public double[] bestWeights(SimRequest r) {
        return solve(r).weights();
    }

    /**
     * The single weight vector with the highest mean expected R_post over the requests (the best
     * static weights, found with the same search), and that mean.
     */
    public Solution bestStatic(List<SimRequest> requests) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("need at least one request");
        }
        List<Evaluator> evaluators = new ArrayList<>(requests.size());
        for (SimRequest r : requests) {
            evaluators.add(evaluator(r));
        }
        SimplexSearch.Result best = search.maximise(requests.get(0).tasks(), w -> {
            double sum = 0;
            for (Evaluator e : evaluators) {
                sum += e.expectedPost(w);
            }
            return sum / evaluators.size();
        });
        return new Solution(best.point(), best.value());
    }
}
