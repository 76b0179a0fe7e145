package io.grade.model.policy;

import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicySnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a received {@link PolicySnapshot} before serving uses it (docs/SPEC.md section 9). Returns
 * every problem found rather than stopping at the first, so a rejected snapshot can be logged with
 * all its defects. Serving ({@code PolicyHolder}) and the job's warm start both call
 * {@link #validate(PolicySnapshot, SnapshotExpectations, long)}; whether a valid version is newer
 * than the one held stays the holder's decision.
 */
public final class SnapshotValidator {

    private SnapshotValidator() {}

    /** Internal consistency: architecture, tensors, shapes, finite values, checksum. Empty = valid. */
    public static List<SnapshotProblem> validate(PolicySnapshot s) {
        List<SnapshotProblem> problems = new ArrayList<>();
        int tasks = s.getTaskNames().size();
        PolicyArchitecture arch = null;
        try {
            arch = PolicySnapshots.architecture(s);
        } catch (IllegalArgumentException e) {
            problems.add(new SnapshotProblem(Kind.INVALID_ARCHITECTURE, e.getMessage()));
        }
        if (s.getBetas().size() != tasks) {
            problems.add(new SnapshotProblem(Kind.TASK_COUNT_MISMATCH,
                    s.getBetas().size() + " betas for " + tasks + " task names"));
        }
        for (int k = 0; k < s.getBetas().size(); k++) {
            if (!Double.isFinite(s.getBetas().get(k))) {
                problems.add(new SnapshotProblem(Kind.NON_FINITE_VALUE, "betas[" + k + "] = " + s.getBetas().get(k)));
            }
        }
        if (!Double.isFinite(s.getAlphaHat())) {
            problems.add(new SnapshotProblem(Kind.NON_FINITE_VALUE, "alphaHat = " + s.getAlphaHat()));
        }
        if (!Double.isFinite(s.getAlphaMin())) {
            problems.add(new SnapshotProblem(Kind.NON_FINITE_VALUE, "alphaMin = " + s.getAlphaMin()));
        }
        if (s.getAlphaHat() <= 0) {
            problems.add(new SnapshotProblem(Kind.NON_POSITIVE_CONCENTRATION, "alphaHat = " + s.getAlphaHat()));
        }
        if (s.getAlphaMin() <= 0) {
            problems.add(new SnapshotProblem(Kind.NON_POSITIVE_CONCENTRATION, "alphaMin = " + s.getAlphaMin()));
        }
        if (!PolicyVersions.inRange(s.getVersion())) {
            problems.add(new SnapshotProblem(Kind.VERSION_OUT_OF_RANGE, "version " + s.getVersion()
                    + " is outside [1, " + PolicyVersions.MAX_VERSION + "]"));
        }
        checkTensors(s, arch, problems);
        long expected = PolicyChecksum.compute(s.getParameters());
        if (expected != s.getChecksum()) {
            problems.add(new SnapshotProblem(Kind.CHECKSUM_MISMATCH,
                    "stored " + Long.toHexString(s.getChecksum()) + ", computed " + Long.toHexString(expected)));
        }
        return problems;
    }

    /**
     * {@link #validate(PolicySnapshot)} plus agreement with what the consumer expects: the same
     * task names in the same order and the same feature dimension.
     */
    public static List<SnapshotProblem> validate(PolicySnapshot s, List<String> expectedTaskNames, int expectedFeatureDim) {
        List<SnapshotProblem> problems = validate(s);
        checkTasks(s, expectedTaskNames, problems);
        if (s.getFeatureDim() != expectedFeatureDim) {
            problems.add(new SnapshotProblem(Kind.FEATURE_DIM_MISMATCH,
                    "snapshot featureDim " + s.getFeatureDim() + ", expected " + expectedFeatureDim));
        }
        return problems;
    }

    /**
     * Everything a consumer checks before using a snapshot: {@link #validate(PolicySnapshot, List,
     * int)} plus the expected fusion kind and betas and, once a version is held ({@code
     * heldVersion >= 1}), a version at most {@link SnapshotExpectations#maxVersionJump()} above it.
     * A consumer holding nothing (version 0) has no reference for a jump: it relies on the range
     * check ({@link PolicyVersions#MAX_VERSION}).
     */
    public static List<SnapshotProblem> validate(PolicySnapshot s, SnapshotExpectations expected, long heldVersion) {
        List<SnapshotProblem> problems = validate(s, expected.taskNames(), expected.featureDim());
        if (s.getFusion() != expected.fusion()) {
            problems.add(new SnapshotProblem(Kind.FUSION_MISMATCH,
                    "snapshot fusion " + s.getFusion() + ", expected " + expected.fusion()));
        }
        if (!expected.sameBetas(s.getBetas())) {
            problems.add(new SnapshotProblem(Kind.BETAS_MISMATCH,
                    "snapshot betas " + s.getBetas() + ", expected " + Arrays.toString(expected.betas())));
        }
        long version = s.getVersion();
        if (heldVersion >= 1 && version > heldVersion && version - heldVersion > expected.maxVersionJump()) {
            problems.add(new SnapshotProblem(Kind.VERSION_JUMP, "version " + version + " is " + (version - heldVersion)
                    + " above the held v" + heldVersion + " (at most " + expected.maxVersionJump() + " allowed)"));
        }
        return problems;
    }

    private static void checkTasks(PolicySnapshot s, List<String> expectedTaskNames, List<SnapshotProblem> problems) {
        if (s.getTaskNames().equals(expectedTaskNames)) {
            return;
        }
        Kind kind = s.getTaskNames().size() == expectedTaskNames.size() ? Kind.TASK_NAMES_MISMATCH
                : Kind.TASK_COUNT_MISMATCH;
        problems.add(new SnapshotProblem(kind, "snapshot tasks " + s.getTaskNames() + ", expected " + expectedTaskNames));
    }

    private static void checkTensors(PolicySnapshot s, PolicyArchitecture arch, List<SnapshotProblem> problems) {
        Map<String, int[]> needed = arch == null ? Map.of() : arch.parameterShapes();
        Set<String> seen = new HashSet<>();
        for (ParameterTensor t : s.getParameters()) {
            String name = t.getName();
            if (!seen.add(name)) {
                problems.add(new SnapshotProblem(Kind.EXTRA_TENSOR, "tensor " + name + " appears twice"));
                continue;
            }
            int[] shape = PolicySnapshots.unboxInts(t.getShape());
            long size = 1;
            for (int dim : shape) {
                size *= dim;
            }
            boolean badDims = Arrays.stream(shape).anyMatch(dim -> dim < 1);
            if (badDims || size != t.getValues().size()) {
                problems.add(new SnapshotProblem(Kind.VALUE_COUNT_MISMATCH, "tensor " + name + " of shape "
                        + Arrays.toString(shape) + " has " + t.getValues().size() + " values"));
            }
            if (arch != null) {
                int[] want = needed.get(name);
                if (want == null) {
                    problems.add(new SnapshotProblem(Kind.EXTRA_TENSOR, "tensor " + name + " is not part of the architecture"));
                } else if (!Arrays.equals(want, shape)) {
                    Kind kind = wrongShapeKind(name, want, shape);
                    problems.add(new SnapshotProblem(kind, "tensor " + name + " has shape " + Arrays.toString(shape)
                            + ", the architecture needs " + Arrays.toString(want)));
                }
            }
            List<Double> values = t.getValues();
            for (int i = 0; i < values.size(); i++) {
                if (!Double.isFinite(values.get(i))) {
                    problems.add(new SnapshotProblem(Kind.NON_FINITE_VALUE, "tensor " + name + "[" + i + "] = "
                            + values.get(i)));
                    break;
                }
            }
        }
        for (String name : needed.keySet()) {
            if (!seen.contains(name)) {
                problems.add(new SnapshotProblem(Kind.MISSING_TENSOR, "tensor " + name + " is missing"));
            }
        }
    }

    /**
     * A shape off only in the task dimension (rows of out.W / out.b) or only in the feature
     * dimension (columns of expert/gate weights) is reported as that mismatch, which names the
     * likely cause better than a generic wrong shape.
     */
    private static Kind wrongShapeKind(String name, int[] want, int[] got) {
        if (want.length == got.length) {
            boolean onlyFirstDiffers = want[0] != got[0] && Arrays.equals(Arrays.copyOfRange(want, 1, want.length),
                    Arrays.copyOfRange(got, 1, got.length));
            if ((name.equals(PolicyArchitecture.OUT_W) || name.equals(PolicyArchitecture.OUT_B)) && onlyFirstDiffers) {
                return Kind.TASK_COUNT_MISMATCH;
            }
            boolean isInputWeight = name.equals(PolicyArchitecture.GATE_W)
                    || (name.startsWith("expert") && name.endsWith(".W"));
            if (isInputWeight && want.length == 2 && want[0] == got[0] && want[1] != got[1]) {
                return Kind.FEATURE_DIM_MISMATCH;
            }
        }
        return Kind.WRONG_SHAPE;
    }
}
