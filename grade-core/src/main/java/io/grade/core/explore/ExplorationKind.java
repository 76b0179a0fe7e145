package io.grade.core.explore;

/** Which exploration distribution turns the policy output into sampled fusion weights (config {@code exploration}). */
public enum ExplorationKind {
    /** p ~ Dir(max(alphaHat * pi, alphaMin)): the GRADE method (docs/SPEC.md section 5). */
    DIRICHLET,
    /** p = softmax(logits + sigma * N(0, I)): the ablation the paper does not publish. */
    GAUSSIAN_SOFTMAX
}
