package io.grade.core.bench;

import io.grade.core.data.TrainingRequest;
import io.grade.schemas.FusionKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * Synthetic labelled requests in which one known weight vector w* is the best fusion: each item's
 * true utility is the LOG_LINEAR fusion of its MTL scores with w*, and the {@code positives} items
 * of highest (slightly noisy) utility get label 1 on every task. Features are standard normal and
 * carry no signal, so the best policy is the constant w*. Used by the learner benchmark and the
 * learning tests.
 */
public final class SyntheticRequests {

    /** Smoothing bias of the LOG_LINEAR fusion inputs. */
    public static final double BETA = 1e-3;
    /** Standard deviation of the utility noise that decides the labels (utility spread is ~1). */
    public static final double UTILITY_NOISE = 0.05;

    private SyntheticRequests() {}

    /**
     * Generates {@code count} requests.
     *
     * @param bestWeights w*, on the simplex, one entry per task
     * @param positives items labelled 1 per request (the best by utility), 1 <= positives <= items
     * @param rng the only source of randomness
     */
    public static List<TrainingRequest> generate(int count, int items, int featureDim, double[] bestWeights,
                                                 int positives, UniformRandomProvider rng) {
        int tasks = bestWeights.length;
        if (positives < 1 || positives > items) {
            throw new IllegalArgumentException("positives must be in [1, items], got " + positives);
        }
        ZigguratSampler.NormalizedGaussian gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        double[] betas = new double[tasks];
        Arrays.fill(betas, BETA);
        List<TrainingRequest> out = new ArrayList<>(count);
        double[] utility = new double[items];
        Integer[] order = new Integer[items];
        for (int r = 0; r < count; r++) {
            double[] x = new double[featureDim];
            for (int i = 0; i < featureDim; i++) {
                x[i] = gauss.sample();
            }
            double[] scores = new double[items * tasks];
            for (int j = 0; j < items; j++) {
                double u = 0;
                for (int k = 0; k < tasks; k++) {
                    // per-task scores from independent logits: tasks disagree, so the mix matters
                    double s = 1.0 / (1.0 + Math.exp(-(1.5 * gauss.sample() - 1.0)));
                    scores[j * tasks + k] = s;
                    u += bestWeights[k] * Math.log(s + BETA);
                }
                utility[j] = u + UTILITY_NOISE * gauss.sample();
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> Double.compare(utility[b], utility[a]));
            double[] labels = new double[items * tasks];
            for (int i = 0; i < positives; i++) {
                Arrays.fill(labels, order[i] * tasks, order[i] * tasks + tasks, 1.0);
            }
            out.add(TrainingRequest.of(x, scores, labels, items, tasks, FusionKind.LOG_LINEAR, betas));
        }
        return out;
    }
}
