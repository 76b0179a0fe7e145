package io.grade.experiments;

/** The fusion-weight methods the offline experiment compares, with their summary key. */
public enum Method {
    /** Equal weights 1/n for every request. */
    UNIFORM("uniform"),
    /** The single weight vector with the best mean R_post on the training logs (simplex search). */
    BEST_STATIC("best_static"),
    /** Stage 1: the policy network fitted with LambdaLoss on the training logs. */
    SP("sp"),
    /** GRPO with Dirichlet exploration, starting from the Stage 1 policy. */
    GRADE("grade"),
    /** The same GRPO with the GAUSSIAN_SOFTMAX exploration ablation. */
    GRADE_GAUSSIAN("grade_gaussian"),
    /** The best weights per request under the true expected labels: the ceiling, not a method. */
    ORACLE("oracle");

    private final String key;

    Method(String key) {
        this.key = key;
    }

    /** The method's key in the summary JSON and the table. */
    public String key() {
        return key;
    }
}
