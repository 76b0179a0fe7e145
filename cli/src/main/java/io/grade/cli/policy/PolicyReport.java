package io.grade.cli.policy;

import io.grade.model.policy.PolicyChecksum;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotValidator;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/** The text of {@code ./grade policy list | show | diff}: plain lines, one fact per line or column. */
public final class PolicyReport {

    /** Reference inputs of {@link #diff}: standard-normal features, fixed seed. */
    static final int REFERENCE_INPUTS = 512;
    private static final long REFERENCE_SEED = 20_240_501L;

    private PolicyReport() {}

    /** One line per snapshot record of the model, then the control state. */
    public static List<String> list(PolicyTopicView view, PublicKey verifyKey) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%-8s %-24s %-8s %-9s %-10s %8s %10s %9s %8s  %s", "version", "created",
                "offset", "checksum", "signature", "updates", "requests", "reward", "kl", "origin"));
        for (PolicyTopicView.Entry<PolicySnapshot> e : view.snapshots()) {
            if (!e.ok()) {
                out.add(String.format(Locale.ROOT, "%-8s %-24s %-8d undecodable: %s", "?", e.timestamp(), e.offset(),
                        e.failure()));
                continue;
            }
            PolicySnapshot s = e.value();
            out.add(String.format(Locale.ROOT, "%-8s %-24s %-8d %-9s %-10s %8d %10d %9.4f %8.4f  %s", "v" + s.getVersion(),
                    s.getCreatedAt(), e.offset(), checksum(s), signature(s, verifyKey), s.getStats().getUpdates(),
                    s.getStats().getRequestsLearned(), s.getStats().getMeanReward(), s.getStats().getKl(),
                    e.origin() == null ? "job" : e.origin()));
        }
        if (view.snapshots().isEmpty()) {
            out.add("(no snapshot of model " + view.modelId() + ")");
        }
        long undecodable = view.controls().stream().filter(c -> !c.ok()).count();
        out.add("control: " + view.currentControl(verifyKey).map(c -> control(c, verifyKey)).orElse("none (not pinned, kill "
                + "switch off)") + (undecodable > 0 ? "; " + undecodable + " undecodable control records" : ""));
        return out;
    }

    /** The control state one record carries, for people. */
    public static String control(PolicyControl c, PublicKey verifyKey) {
        String sig = c.getSignature() == null ? "unsigned" : verifyKey == null ? "signed"
                : io.grade.model.policy.PolicyControls.verify(c, verifyKey).isEmpty() ? "signature valid"
                : "SIGNATURE INVALID";
        return "#" + c.getSequence() + " at " + c.getCreatedAt() + " by " + c.getIssuedBy() + ": kill switch "
                + (c.getKillSwitch() ? "ON" : "off") + ", " + (c.getPinnedVersion() == 0 ? "not pinned"
                : "pinned to v" + c.getPinnedVersion()) + " (" + sig + ")";
    }

    /** Metadata, statistics and a summary of every tensor. */
    public static List<String> show(PolicySnapshot s, PublicKey verifyKey) {
        List<String> out = new ArrayList<>();
        out.add("model          " + s.getModelId());
        out.add("version        " + s.getVersion());
        out.add("created        " + s.getCreatedAt());
        out.add("trained until  " + s.getTrainedThrough());
        out.add("tasks          " + s.getTaskNames() + ", fusion " + s.getFusion() + ", betas " + s.getBetas());
        out.add("architecture   d=" + s.getFeatureDim() + " experts=" + s.getExperts() + " hidden=" + s.getHidden()
                + " tower=" + s.getTower() + " eps=" + s.getEpsilonFloor());
        out.add(String.format(Locale.ROOT, "exploration    alphaHat=%.4f alphaMin=%.4f", s.getAlphaHat(), s.getAlphaMin()));
        out.add(String.format(Locale.ROOT, "stats          updates=%d requests=%d meanReward=%.4f kl=%.5f clip=%.4f",
                s.getStats().getUpdates(), s.getStats().getRequestsLearned(), s.getStats().getMeanReward(),
                s.getStats().getKl(), s.getStats().getClipFraction()));
        out.add(String.format(Locale.ROOT, "checksum       %016x (%s)", s.getChecksum(), checksum(s)));
        out.add("signature      " + signature(s, verifyKey));
        List<String> problems = SnapshotValidator.validate(s).stream().map(Object::toString).toList();
        out.add("validation     " + (problems.isEmpty() ? "ok" : problems));
        out.add(String.format(Locale.ROOT, "%-12s %-10s %10s %10s %10s %10s", "tensor", "shape", "l2", "mean", "min",
                "max"));
        for (ParameterTensor t : s.getParameters()) {
            double sum = 0;
            double sq = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double v : t.getValues()) {
                sum += v;
                sq += v * v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            int n = t.getValues().size();
            out.add(String.format(Locale.ROOT, "%-12s %-10s %10.4f %10.5f %10.4f %10.4f", t.getName(),
                    shape(t), Math.sqrt(sq), n == 0 ? 0 : sum / n, min, max));
        }
        return out;
    }

    /**
     * Per-tensor differences (L2 norm of b - a, relative to the L2 norm of a, largest absolute
     * difference), then the mean fusion weights of both on {@value #REFERENCE_INPUTS} reference
     * inputs and their change.
     */
    public static List<String> diff(PolicySnapshot a, PolicySnapshot b) {
        List<String> out = new ArrayList<>();
        out.add("v" + a.getVersion() + " -> v" + b.getVersion());
        Map<String, ParameterTensor> bt = new HashMap<>();
        b.getParameters().forEach(t -> bt.put(t.getName(), t));
        out.add(String.format(Locale.ROOT, "%-12s %-10s %12s %10s %12s", "tensor", "shape", "l2(diff)", "relative",
                "max|diff|"));
        for (ParameterTensor ta : a.getParameters()) {
            ParameterTensor tb = bt.remove(ta.getName());
            if (tb == null || !tb.getShape().equals(ta.getShape())) {
                out.add(String.format(Locale.ROOT, "%-12s %-10s only in v%d or of another shape", ta.getName(),
                        shape(ta), a.getVersion()));
                continue;
            }
            double sq = 0;
            double base = 0;
            double maxAbs = 0;
            for (int i = 0; i < ta.getValues().size(); i++) {
                double x = ta.getValues().get(i);
                double d = tb.getValues().get(i) - x;
                sq += d * d;
                base += x * x;
                maxAbs = Math.max(maxAbs, Math.abs(d));
            }
            out.add(String.format(Locale.ROOT, "%-12s %-10s %12.6f %10.4f %12.6f", ta.getName(), shape(ta),
                    Math.sqrt(sq), base == 0 ? 0 : Math.sqrt(sq / base), maxAbs));
        }
        bt.keySet().forEach(name -> out.add(String.format(Locale.ROOT, "%-12s only in v%d", name, b.getVersion())));
        if (a.getFeatureDim() != b.getFeatureDim() || !a.getTaskNames().equals(b.getTaskNames())) {
            out.add("mean weights: not comparable (other tasks or feature dimension)");
            return out;
        }
        double[] wa = meanWeights(a);
        double[] wb = meanWeights(b);
        out.add("mean weights on " + REFERENCE_INPUTS + " reference inputs (standard normal features, fixed seed):");
        out.add(String.format(Locale.ROOT, "%-8s %10s %10s %10s", "task", "v" + a.getVersion(), "v" + b.getVersion(),
                "change"));
        for (int k = 0; k < wa.length; k++) {
            out.add(String.format(Locale.ROOT, "%-8s %10.4f %10.4f %+10.4f", a.getTaskNames().get(k), wa[k], wb[k],
                    wb[k] - wa[k]));
        }
        return out;
    }

    /** Mean pi(x) over the reference inputs (the same inputs for every snapshot of a feature dimension). */
    static double[] meanWeights(PolicySnapshot s) {
        PolicyForward f = PolicySnapshots.forward(s);
        ZigguratSampler.NormalizedGaussian normal = ZigguratSampler.NormalizedGaussian.of(
                RandomSource.XO_RO_SHI_RO_128_PP.create(REFERENCE_SEED));
        double[] x = new double[s.getFeatureDim()];
        double[] w = new double[s.getTaskNames().size()];
        double[] mean = new double[w.length];
        for (int i = 0; i < REFERENCE_INPUTS; i++) {
            for (int j = 0; j < x.length; j++) {
                x[j] = normal.sample();
            }
            f.weights(x, w);
            for (int k = 0; k < w.length; k++) {
                mean[k] += w[k] / REFERENCE_INPUTS;
            }
        }
        return mean;
    }

    private static String checksum(PolicySnapshot s) {
        return PolicyChecksum.compute(s.getParameters()) == s.getChecksum() ? "ok" : "MISMATCH";
    }

    private static String signature(PolicySnapshot s, PublicKey verifyKey) {
        if (s.getSignature() == null) {
            return "unsigned";
        }
        if (verifyKey == null) {
            return "signed";
        }
        return PolicySignatures.verify(s, verifyKey).isEmpty() ? "valid" : "INVALID";
    }

    private static String shape(ParameterTensor t) {
        StringBuilder b = new StringBuilder();
        for (Integer d : t.getShape()) {
            b.append(b.length() == 0 ? "" : "x").append(d);
        }
        return b.toString();
    }
}
