package io.grade.model.policy;

import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicySnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Conversion between the policy's plain-array form and the published Avro {@link PolicySnapshot}. */
public final class PolicySnapshots {

    private PolicySnapshots() {}

    /**
     * Builds a snapshot with the parameters in canonical order and their checksum.
     *
     * @throws IllegalArgumentException when the parameters do not fit the architecture or the task
     *     names do not match the architecture's task count
     */
    public static PolicySnapshot toSnapshot(PolicyArchitecture arch, PolicyParameters params, SnapshotMetadata meta) {
        if (meta.taskNames().size() != arch.tasks()) {
            throw new IllegalArgumentException(meta.taskNames().size() + " task names for an architecture with "
                    + arch.tasks() + " tasks");
        }
        Map<String, int[]> shapes = arch.parameterShapes();
        List<ParameterTensor> tensors = new ArrayList<>(shapes.size());
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            String name = e.getKey();
            if (!params.contains(name) || !Arrays.equals(params.shape(name), e.getValue())) {
                throw new IllegalArgumentException("parameter " + name + " missing or not of shape "
                        + Arrays.toString(e.getValue()));
            }
            tensors.add(ParameterTensor.newBuilder()
                    .setName(name)
                    .setShape(boxInts(e.getValue()))
                    .setValues(boxDoubles(params.valuesView(name)))
                    .build());
        }
        if (params.size() != shapes.size()) {
            throw new IllegalArgumentException("parameters hold tensors the architecture does not know: " + params.names());
        }
        return PolicySnapshot.newBuilder()
                .setModelId(meta.modelId())
                .setVersion(meta.version())
                .setCreatedAt(meta.createdAt())
                .setTrainedThrough(meta.trainedThrough())
                .setTaskNames(new ArrayList<>(meta.taskNames()))
                .setFeatureDim(arch.featureDim())
                .setFusion(meta.fusion())
                .setBetas(boxDoubles(meta.betas()))
                .setExperts(arch.experts())
                .setHidden(arch.hidden())
                .setTower(arch.tower())
                .setEpsilonFloor(arch.epsilonFloor())
                .setParameters(tensors)
                .setAlphaHat(meta.alphaHat())
                .setAlphaMin(meta.alphaMin())
                .setStats(meta.stats())
                .setChecksum(PolicyChecksum.compute(params))
                .build();
    }

    /** The architecture a snapshot declares (validated as a record; not checked against the tensors). */
    public static PolicyArchitecture architecture(PolicySnapshot snapshot) {
        return new PolicyArchitecture(snapshot.getFeatureDim(), snapshot.getExperts(), snapshot.getHidden(),
                snapshot.getTower(), snapshot.getTaskNames().size(), snapshot.getEpsilonFloor());
    }

    /** The snapshot's tensors as plain arrays, in the snapshot's order. */
    public static PolicyParameters parameters(PolicySnapshot snapshot) {
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (ParameterTensor t : snapshot.getParameters()) {
            b.put(t.getName(), unboxInts(t.getShape()), unboxDoubles(t.getValues()));
        }
        return b.build();
    }

    /** The metadata part of a snapshot. */
    public static SnapshotMetadata metadata(PolicySnapshot s) {
        return new SnapshotMetadata(s.getModelId(), s.getVersion(), s.getCreatedAt(), s.getTrainedThrough(),
                s.getTaskNames(), s.getFusion(), unboxDoubles(s.getBetas()), s.getAlphaHat(), s.getAlphaMin(),
                s.getStats());
    }

    /**
     * The serving forward pass for a snapshot, after {@link SnapshotValidator#validate} found no
     * problem.
     *
     * @throws IllegalArgumentException listing the problems when the snapshot is not valid
     */
    public static PolicyForward forward(PolicySnapshot snapshot) {
        List<SnapshotProblem> problems = SnapshotValidator.validate(snapshot);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid policy snapshot " + snapshot.getModelId() + " v"
                    + snapshot.getVersion() + ": " + problems);
        }
        return new PolicyForward(architecture(snapshot), parameters(snapshot));
    }

    static List<Integer> boxInts(int[] a) {
        List<Integer> out = new ArrayList<>(a.length);
        for (int v : a) {
            out.add(v);
        }
        return out;
    }

    static List<Double> boxDoubles(double[] a) {
        List<Double> out = new ArrayList<>(a.length);
        for (double v : a) {
            out.add(v);
        }
        return out;
    }

    static int[] unboxInts(List<Integer> a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }

    static double[] unboxDoubles(List<Double> a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }
}
