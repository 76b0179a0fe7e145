package io.grade.simulator;

import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * N requests served by a logging policy, with the labels users produced: the offline training and
 * evaluation data of the experiments, as plain arrays.
 *
 * <p>Every request has the same number of candidates M, so the data is stored flat (request-major);
 * per-request accessors return copies shaped like the maths' training request: features (d),
 * scores and labels (M x n, row-major), item ids (M), and the task names. grade-core's
 * {@code TrainingRequest} is built from these by the experiment module (the simulator does not
 * depend on grade-core). The hidden truth (expected labels) is kept too, for oracle evaluation via
 * {@link #request(int)}.
 */
public final class LoggedDataset {

    private final List<String> taskNames;
    private final int size;
    private final int items;
    private final int tasks;
    private final int featureDim;
    private final int[] users;
    private final int[] archetypes;
    private final long[] eventTimes;
    private final double[] features;
    private final int[] itemIds;
    private final double[] scores;
    private final double[] labels;
    private final double[] expectedLabels;
    private final double[] servedWeights;

    private LoggedDataset(SimWorld world, int size) {
        this.taskNames = world.taskNames();
        this.size = size;
        this.items = world.candidates();
        this.tasks = world.tasks();
        this.featureDim = world.featureDim();
        this.users = new int[size];
        this.archetypes = new int[size];
        this.eventTimes = new long[size];
        this.features = new double[size * featureDim];
        this.itemIds = new int[size * items];
        this.scores = new double[size * items * tasks];
        this.labels = new double[size * items * tasks];
        this.expectedLabels = new double[size * items * tasks];
        this.servedWeights = new double[size * tasks];
    }

    /**
     * Serves {@code requests} requests of random users with the logging policy and records them.
     * Request i happens at {@code startMillis + i * intervalMillis}. One generator seeded with
     * {@code seed} drives users, candidates, policy noise and responses: same world and seed, same data.
     */
    public static LoggedDataset generate(SimWorld world, int requests, LoggingPolicy policy, long seed,
                                         long startMillis, long intervalMillis) {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must be >= 0, got " + requests);
        }
        UniformRandomProvider rng = World.rng(seed);
        LoggedDataset data = new LoggedDataset(world, requests);
        int mn = data.items * data.tasks;
        for (int i = 0; i < requests; i++) {
            SimRequest r = world.nextRequest(rng, startMillis + i * intervalMillis);
            double[] w = policy.weights(r, rng);
            SimOutcome o = world.respond(r, w, rng);
            data.users[i] = r.user();
            data.archetypes[i] = r.archetype();
            data.eventTimes[i] = r.eventTimeMillis();
            System.arraycopy(r.features(), 0, data.features, i * data.featureDim, data.featureDim);
            System.arraycopy(r.itemIds(), 0, data.itemIds, i * data.items, data.items);
            System.arraycopy(r.scores(), 0, data.scores, i * mn, mn);
            System.arraycopy(o.labels(), 0, data.labels, i * mn, mn);
            System.arraycopy(r.expectedLabels(), 0, data.expectedLabels, i * mn, mn);
            System.arraycopy(o.servedWeights(), 0, data.servedWeights, i * data.tasks, data.tasks);
        }
        return data;
    }

    /** {@link #generate(SimWorld, int, LoggingPolicy, long, long, long)} starting at 0, one request per second. */
    public static LoggedDataset generate(SimWorld world, int requests, LoggingPolicy policy, long seed) {
        return generate(world, requests, policy, seed, 0L, 1000L);
    }

    /** Number of requests N. */
    public int size() {
        return size;
    }

    /** Candidates per request M. */
    public int items() {
        return items;
    }

    /** Tasks n. */
    public int tasks() {
        return tasks;
    }

    /** Feature dimension d. */
    public int featureDim() {
        return featureDim;
    }

    /** Task names in weight order. */
    public List<String> taskNames() {
        return taskNames;
    }

    public int user(int i) {
        check(i);
        return users[i];
    }

    public int archetype(int i) {
        check(i);
        return archetypes[i];
    }

    public long eventTimeMillis(int i) {
        check(i);
        return eventTimes[i];
    }

    /** Features x of request i (d). */
    public double[] features(int i) {
        check(i);
        return Arrays.copyOfRange(features, i * featureDim, (i + 1) * featureDim);
    }

    /** Candidate item ids of request i (M). */
    public int[] itemIds(int i) {
        check(i);
        return Arrays.copyOfRange(itemIds, i * items, (i + 1) * items);
    }

    /** MTL scores of request i (M x n). */
    public double[] scores(int i) {
        return slice(scores, i);
    }

    /** Sampled labels of request i (M x n). */
    public double[] labels(int i) {
        return slice(labels, i);
    }

    /** True expected labels of request i (M x n): hidden truth, for evaluation only. */
    public double[] expectedLabels(int i) {
        return slice(expectedLabels, i);
    }

    /** Weights the logging policy served request i with (n). */
    public double[] servedWeights(int i) {
        check(i);
        return Arrays.copyOfRange(servedWeights, i * tasks, (i + 1) * tasks);
    }

    /** Request i as a {@link SimRequest} (copies), e.g. for {@link Oracle#expectedPost}. */
    public SimRequest request(int i) {
        return new SimRequest(user(i), archetype(i), eventTimeMillis(i), features(i), itemIds(i), scores(i),
                expectedLabels(i));
    }

    /** True when some label of request i is positive. */
    public boolean hasPositiveLabel(int i) {
        check(i);
        int mn = items * tasks;
        for (int p = i * mn; p < (i + 1) * mn; p++) {
            if (labels[p] > 0) {
                return true;
            }
        }
        return false;
    }

    private double[] slice(double[] flat, int i) {
        check(i);
        int mn = items * tasks;
        return Arrays.copyOfRange(flat, i * mn, (i + 1) * mn);
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("request " + i + " of " + size);
        }
    }
}
