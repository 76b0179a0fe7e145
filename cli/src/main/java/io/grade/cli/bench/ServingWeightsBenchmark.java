package io.grade.cli.bench;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.serving.PolicyHolder;
import io.grade.serving.ServingPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** JMH: latency of the serving client's {@code weights(features)} with the default architecture. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ServingWeightsBenchmark {

    static final List<String> TASKS = List.of("ctr", "cvr", "opm", "gpm");

    @Param({"32"})
    public int features;

    private ServingPolicy policy;
    private float[][] inputs;
    private double[] out;
    private int next;

    @Setup
    public void setUp() {
        PolicyArchitecture arch = PolicyArchitecture.defaults(features, TASKS.size());
        Random rng = new Random(7);
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (Map.Entry<String, int[]> e : arch.parameterShapes().entrySet()) {
            int n = 1;
            for (int d : e.getValue()) {
                n *= d;
            }
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rng.nextGaussian() * 0.3;
            }
            b.put(e.getKey(), e.getValue(), v);
        }
        double[] betas = {1e-4, 1e-4, 1e-2, 1e-2};
        PolicySnapshot s = PolicySnapshots.toSnapshot(arch, b.build(), new SnapshotMetadata("bench", 1,
                Instant.EPOCH, Instant.EPOCH, TASKS, FusionKind.LOG_LINEAR, betas, 10, 0.05,
                new TrainingStats(0.0, 0.0, 0.0, 0L, 0L)));
        PolicyHolder holder = new PolicyHolder(ServingPolicy.staticWeights("bench", TASKS, features,
                FusionKind.LOG_LINEAR, betas, new double[] {1, 1, 1, 1}));
        holder.offer(s);
        policy = holder.current();
        inputs = new float[1024][features];
        for (float[] x : inputs) {
            for (int i = 0; i < features; i++) {
                x[i] = (float) rng.nextGaussian();
            }
        }
        out = new double[TASKS.size()];
    }

    /** One pi(x) for a request's features (the serving hot path). */
    @Benchmark
    public double[] weights() {
        policy.weights(inputs[next++ & 1023], out);
        return out;
    }
}
