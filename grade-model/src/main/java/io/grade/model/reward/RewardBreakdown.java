package io.grade.model.reward;

/** The parts of the composite reward of one ranking (docs/SPEC.md section 6). */
public record RewardBreakdown(double post, double prior, double format, double total) {}
