package io.grade.simulator;

import org.apache.commons.rng.UniformRandomProvider;

/** Small numeric helpers shared by the world's generators. */
final class Maths {

    private static final double LN2 = Math.log(2);

    private Maths() {}

    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    static double log2(double x) {
        return Math.log(x) / LN2;
    }

    /** Examination probability of 0-based position {@code pos}: 1 / log2(pos + 2), the NDCG discount. */
    static double examination(int pos) {
        return 1.0 / log2(pos + 2);
    }

    /** A uniform draw in the open interval (0, 1), safe for logarithms. */
    static double openUnit(UniformRandomProvider rng) {
        return ((rng.nextLong() >>> 11) + 0.5) * 0x1.0p-53;
    }

    /** A standard Gumbel draw: the max-stable noise that turns scores into a softmax sample without replacement. */
    static double gumbel(UniformRandomProvider rng) {
        return -Math.log(-Math.log(openUnit(rng)));
    }
}
