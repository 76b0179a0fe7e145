package io.grade.simulator;

import io.grade.model.fusion.Fusion;
import io.grade.schemas.FusionKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * The user's response to a ranking, shared by every world: the task roles are the same (task 0 a
 * click, task 1 an order after a click, every later task an amount the order carries), so is the
 * examination model and the delays. Position i (0-based) of the top {@code shown} is examined with
 * probability 1/log2(i + 2); an examined item is clicked with its true click probability; a click
 * becomes an order with the true post-click rate; an order carries the item's amounts times a
 * mean-one basket factor. Click after the impression, order after the click, amounts after the order.
 */
final class Responder {

    /** The amount of item {@code id} for amount task {@code task} (>= 2), before the basket factor. */
    @FunctionalInterface
    interface ItemAmounts {
        double amount(int id, int task);
    }

    private final FusionKind fusionKind;
    private final double[] betas;
    private final int shownPositions;
    private final double amountNoise;
    private final String[] feedbackTypes;
    private final ItemAmounts amounts;
    private final long clickMedian;
    private final double clickSigma;
    private final long orderMedian;
    private final double orderSigma;
    private final long valueMedian;
    private final double valueSigma;

    Responder(FusionKind fusionKind, double[] betas, int shownPositions, double amountNoise,
              List<String> feedbackTypes, ItemAmounts amounts, long clickMedian, double clickSigma,
              long orderMedian, double orderSigma, long valueMedian, double valueSigma) {
        this.fusionKind = fusionKind;
        this.betas = betas.clone();
        this.shownPositions = shownPositions;
        this.amountNoise = amountNoise;
        this.feedbackTypes = feedbackTypes.toArray(new String[0]);
        this.amounts = amounts;
        this.clickMedian = clickMedian;
        this.clickSigma = clickSigma;
        this.orderMedian = orderMedian;
        this.orderSigma = orderSigma;
        this.valueMedian = valueMedian;
        this.valueSigma = valueSigma;
    }

    /** Ranks by the fused MTL scores under {@code servedWeights} and responds to that ranking. */
    SimOutcome respond(SimRequest r, double[] servedWeights, UniformRandomProvider rng) {
        int m = r.items();
        int n = r.tasks();
        checkWeights(servedWeights, n);
        double[] z = Fusion.inputs(fusionKind, r.scores(), m, n, betas);
        double[] fused = new double[m];
        Fusion.fuse(z, m, n, servedWeights, fused);
        int[] ranking = new int[m];
        Fusion.rankDescending(fused, m, ranking);
        return respond(r, servedWeights, ranking, rng);
    }

    /** The response to the top positions of {@code ranking}, a permutation of the candidate indices. */
    SimOutcome respond(SimRequest r, double[] servedWeights, int[] ranking, UniformRandomProvider rng) {
        int m = r.items();
        int n = r.tasks();
        checkWeights(servedWeights, n);
        checkPermutation(ranking, m);
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        int shown = Math.min(shownPositions, m);
        double[] labels = new double[m * n];
        List<SimFeedback> feedback = new ArrayList<>();
        double[] expected = r.expectedLabels();
        double[] values = new double[n];
        for (int pos = 0; pos < shown; pos++) {
            int j = ranking[pos];
            int row = j * n;
            if (rng.nextDouble() >= Maths.examination(pos)) {
                continue;
            }
            double pClick = expected[row];
            if (rng.nextDouble() >= pClick) {
                continue;
            }
            int id = r.itemIds()[j];
            long clickDelay = logNormalDelay(clickMedian, clickSigma, gauss);
            labels[row] = 1.0;
            feedback.add(new SimFeedback(j, id, pos, 0, feedbackTypes[0], 1.0, clickDelay));
            double pOrderGivenClick = expected[row + 1] / pClick;
            if (rng.nextDouble() >= pOrderGivenClick) {
                continue;
            }
            long orderDelay = clickDelay + logNormalDelay(orderMedian, orderSigma, gauss);
            double basket = Math.exp(amountNoise * gauss.sample() - 0.5 * amountNoise * amountNoise);
            for (int k = 2; k < n; k++) {
                values[k] = amounts.amount(id, k) * basket;
            }
            long valueDelay = orderDelay + logNormalDelay(valueMedian, valueSigma, gauss);
            labels[row + 1] = 1.0;
            feedback.add(new SimFeedback(j, id, pos, 1, feedbackTypes[1], 1.0, orderDelay));
            for (int k = 2; k < n; k++) {
                labels[row + k] = values[k];
                feedback.add(new SimFeedback(j, id, pos, k, feedbackTypes[k], values[k], valueDelay));
            }
        }
        return new SimOutcome(r, servedWeights.clone(), ranking.clone(), shown, labels, List.copyOf(feedback));
    }

    static long logNormalDelay(long medianMillis, double sigma, NormalizedGaussianSampler gauss) {
        return Math.max(1L, Math.round(medianMillis * Math.exp(sigma * gauss.sample())));
    }

    static void checkPermutation(int[] ranking, int m) {
        if (ranking == null || ranking.length != m) {
            throw new IllegalArgumentException("ranking must list all " + m + " candidates");
        }
        boolean[] seen = new boolean[m];
        for (int j : ranking) {
            if (j < 0 || j >= m || seen[j]) {
                throw new IllegalArgumentException("ranking must be a permutation of 0.." + (m - 1));
            }
            seen[j] = true;
        }
    }

    static void checkWeights(double[] w, int n) {
        if (w == null || w.length != n) {
            throw new IllegalArgumentException("weights must have one entry per task (" + n + ")");
        }
        double sum = 0;
        for (double v : w) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("weights must be finite and >= 0, got " + Arrays.toString(w));
            }
            sum += v;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("weights must not all be 0");
        }
    }
}
