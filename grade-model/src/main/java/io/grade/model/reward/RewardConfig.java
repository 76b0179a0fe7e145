package io.grade.model.reward;

import java.util.Arrays;

/**
 * Configuration of the composite reward (docs/SPEC.md section 6).
 *
 * @param ndcgK cut-off K of NDCG@K (K = min(ndcgK, items))
 * @param taskImportance business importance c_k >= 0 per task
 * @param lambdaPost weight of R_post (feedback NDCG)
 * @param lambdaPrior weight of R_prior (NDCG on min-max normalised MTL scores)
 * @param lambdaFormat weight of the gated R_format
 * @param tau gate: R_format counts only when lambdaPost*R_post + lambdaPrior*R_prior >= tau
 * @param format the structure constraints behind R_format
 */
public record RewardConfig(int ndcgK, double[] taskImportance, double lambdaPost, double lambdaPrior,
                           double lambdaFormat, double tau, FormatConstraints format)
        implements java.io.Serializable {

    public static final int DEFAULT_NDCG_K = 10;
    public static final double DEFAULT_LAMBDA_POST = 1.0;
    public static final double DEFAULT_LAMBDA_PRIOR = 0.3;
    public static final double DEFAULT_LAMBDA_FORMAT = 0.05;
    public static final double DEFAULT_TAU = 0.4;

    public RewardConfig {
        if (ndcgK < 1) {
            throw new IllegalArgumentException("ndcgK must be >= 1, got " + ndcgK);
        }
        if (taskImportance == null || taskImportance.length == 0) {
            throw new IllegalArgumentException("taskImportance must have one entry per task");
        }
        for (double c : taskImportance) {
            if (!(c >= 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("taskImportance entries must be finite and >= 0, got "
                        + Arrays.toString(taskImportance));
            }
        }
        checkLambda("lambdaPost", lambdaPost);
        checkLambda("lambdaPrior", lambdaPrior);
        checkLambda("lambdaFormat", lambdaFormat);
        if (!Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be finite, got " + tau);
        }
        if (format == null) {
            format = FormatConstraints.none();
        }
        if (format.maxTaskIndex() >= taskImportance.length) {
            throw new IllegalArgumentException("format constraints reference task index " + format.maxTaskIndex()
                    + " but there are only " + taskImportance.length + " tasks");
        }
        taskImportance = taskImportance.clone();
    }

    /** Spec defaults: K = 10, c = 1, lambdas (1.0, 0.3, 0.05), tau = 0.4, no format constraints. */
    public static RewardConfig defaults(int tasks) {
        double[] c = new double[tasks];
        Arrays.fill(c, 1.0);
        return new RewardConfig(DEFAULT_NDCG_K, c, DEFAULT_LAMBDA_POST, DEFAULT_LAMBDA_PRIOR,
                DEFAULT_LAMBDA_FORMAT, DEFAULT_TAU, FormatConstraints.none());
    }

    public int tasks() {
        return taskImportance.length;
    }

    @Override
    public double[] taskImportance() {
        return taskImportance.clone();
    }

    /** Same configuration with other format constraints. */
    public RewardConfig withFormat(FormatConstraints f) {
        return new RewardConfig(ndcgK, taskImportance, lambdaPost, lambdaPrior, lambdaFormat, tau, f);
    }

    private static void checkLambda(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }
}
