package io.grade.model.experiment;

/**
 * Relative lift of the treatment arm's mean over the control arm's, {@code mT / mC - 1}, with a
 * normal-approximation confidence interval from the delta method:
 * {@code Var(mT / mC) ~ (mT / mC)^2 (sT^2 / (nT mT^2) + sC^2 / (nC mC^2))}, the arms independent
 * (different users) and each variance its own (no equal-variance assumption). NaN where it is not
 * defined (fewer than 2 requests in an arm, or a control mean of 0).
 *
 * @param treatmentMean mean per request in the treatment arm
 * @param controlMean mean per request in the control arm
 * @param treatmentRequests requests behind the treatment mean
 * @param controlRequests requests behind the control mean
 * @param lift {@code treatmentMean / controlMean - 1}
 * @param ciLow lower end of the interval
 * @param ciHigh upper end of the interval
 */
public record Lift(double treatmentMean, double controlMean, long treatmentRequests, long controlRequests,
                   double lift, double ciLow, double ciHigh) {

    /** z of a two-sided 95 % interval. */
    public static final double Z_95 = 1.959963984540054;

    /** The lift of two arms' per-request sums and sums of squares, with a two-sided interval of {@code z}. */
    public static Lift of(long nT, double sumT, double sumSqT, long nC, double sumC, double sumSqC, double z) {
        double mT = nT > 0 ? sumT / nT : Double.NaN;
        double mC = nC > 0 ? sumC / nC : Double.NaN;
        if (nT < 2 || nC < 2 || mC == 0) {
            return new Lift(mT, mC, nT, nC, Double.NaN, Double.NaN, Double.NaN);
        }
        double varT = Math.max(0, (sumSqT - nT * mT * mT) / (nT - 1));
        double varC = Math.max(0, (sumSqC - nC * mC * mC) / (nC - 1));
        double ratio = mT / mC;
        double relVar = varT / (nT * mC * mC) + ratio * ratio * varC / (nC * mC * mC);
        double se = Math.sqrt(relVar);
        double lift = ratio - 1;
        return new Lift(mT, mC, nT, nC, lift, lift - z * se, lift + z * se);
    }

    /** Whether the whole interval lies above zero. */
    public boolean significantlyPositive() {
        return ciLow > 0;
    }

    /** Whether {@code value} lies within the interval. */
    public boolean covers(double value) {
        return value >= ciLow && value <= ciHigh;
    }
}
