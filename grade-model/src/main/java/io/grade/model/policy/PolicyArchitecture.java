package io.grade.model.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shape of the MMoE-like policy network (docs/SPEC.md section 4): feature dimension d, experts E,
 * expert hidden size H, tower size T, tasks n and the weight floor eps.
 *
 * @param featureDim d, >= 1
 * @param experts E, >= 1
 * @param hidden H, >= 1
 * @param tower T, >= 1
 * @param tasks n, >= 1
 * @param epsilonFloor eps in [0, 1/n): every weight is at least eps
 */
public record PolicyArchitecture(int featureDim, int experts, int hidden, int tower, int tasks, double epsilonFloor)
        implements java.io.Serializable {

    /** Default number of experts E. */
    public static final int DEFAULT_EXPERTS = 4;
    /** Default expert hidden size H. */
    public static final int DEFAULT_HIDDEN = 32;
    /** Default tower size T. */
    public static final int DEFAULT_TOWER = 32;
    /** Default weight floor eps. */
    public static final double DEFAULT_EPSILON_FLOOR = 1e-3;

    /** Validates every field. */
    public PolicyArchitecture {
        requireAtLeastOne(featureDim, "featureDim");
        requireAtLeastOne(experts, "experts");
        requireAtLeastOne(hidden, "hidden");
        requireAtLeastOne(tower, "tower");
        requireAtLeastOne(tasks, "tasks");
        // n * eps must stay below 1, otherwise (1 - n eps) softmax + eps is no longer a learnable simplex point
        if (!(epsilonFloor >= 0) || !(epsilonFloor * tasks < 1)) {
            throw new IllegalArgumentException("epsilonFloor must be in [0, 1/tasks) = [0, " + (1.0 / tasks)
                    + "), got " + epsilonFloor);
        }
    }

    /** The default architecture (E=4, H=32, T=32, eps=1e-3) for d features and n tasks. */
    public static PolicyArchitecture defaults(int featureDim, int tasks) {
        return new PolicyArchitecture(featureDim, DEFAULT_EXPERTS, DEFAULT_HIDDEN, DEFAULT_TOWER, tasks,
                DEFAULT_EPSILON_FLOOR);
    }

    /** Name of the weight matrix of expert e. */
    public static String expertWeight(int e) {
        return "expert" + e + ".W";
    }

    /** Name of the bias of expert e. */
    public static String expertBias(int e) {
        return "expert" + e + ".b";
    }

    /** Gate weight matrix name (E x d). */
    public static final String GATE_W = "gate.W";
    /** Gate bias name (E). */
    public static final String GATE_B = "gate.b";
    /** Tower weight matrix name (T x H). */
    public static final String TOWER_W = "tower.W";
    /** Tower bias name (T). */
    public static final String TOWER_B = "tower.b";
    /** Output weight matrix name (n x T). */
    public static final String OUT_W = "out.W";
    /** Output bias name (n). */
    public static final String OUT_B = "out.b";

    /**
     * Every parameter tensor's name and shape, in canonical order: expert0.W, expert0.b, ...,
     * gate.W, gate.b, tower.W, tower.b, out.W, out.b. Matrices are rows x columns (row-major),
     * biases are one-dimensional.
     */
    public Map<String, int[]> parameterShapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (int e = 0; e < experts; e++) {
            shapes.put(expertWeight(e), new int[] {hidden, featureDim});
            shapes.put(expertBias(e), new int[] {hidden});
        }
        shapes.put(GATE_W, new int[] {experts, featureDim});
        shapes.put(GATE_B, new int[] {experts});
        shapes.put(TOWER_W, new int[] {tower, hidden});
        shapes.put(TOWER_B, new int[] {tower});
        shapes.put(OUT_W, new int[] {tasks, tower});
        shapes.put(OUT_B, new int[] {tasks});
        return Collections.unmodifiableMap(shapes);
    }

    /** Parameter names in canonical order. */
    public List<String> parameterNames() {
        return Collections.unmodifiableList(new ArrayList<>(parameterShapes().keySet()));
    }

    /** Total number of scalar parameters. */
    public long parameterCount() {
        long total = 0;
        for (int[] shape : parameterShapes().values()) {
            long size = 1;
            for (int s : shape) {
                size *= s;
            }
            total += size;
        }
        return total;
    }

    private static void requireAtLeastOne(int v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }
}
