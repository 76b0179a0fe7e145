package io.grade.cli.bench;

import io.grade.simulator.ItemAgnosticCeiling;
import io.grade.simulator.Oracle;
import io.grade.simulator.SimRequest;
import io.grade.simulator.SimWorld;
import io.grade.simulator.World;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The judge of the learning-speed benchmark: a fixed set of held-out requests of one world and
 * seed, with the expected R_post of the per-request oracle and of the world's item-agnostic
 * ceiling on them, against which any policy's weights are scored.
 *
 * <p>A policy is scored by the mean expected R_post (true expected labels, {@link Oracle}) of
 * ranking every held-out request with its weights pi(x), x the request's features. Its
 * {@code gap_closed = (policy - best static) / (oracle - best static)}: 0 is the best static
 * weights, 1 the per-request oracle. The best static vector and the ceiling are those of {@link
 * ItemAgnosticCeiling} (fitted with full knowledge on their own stream of the seed, scored on these
 * same requests), so {@code gap_closed} and {@code ceiling_gap_closed} share their zero and their
 * one. Not thread-safe (the evaluators hold scratch).
 */
public final class HeldOutScore {

    /** A policy as the benchmark sees it: fusion weights for a request's features. */
    @FunctionalInterface
    public interface Weights {
        void weights(double[] features, double[] out);
    }

    // the held-out requests' own stream of the seed, apart from the traffic and the ceiling's
    private static final long HELD_OUT_STREAM = 0x1EA2_0001L;

    private final List<SimRequest> requests;
    private final List<Oracle.Evaluator> evaluators;
    private final ItemAgnosticCeiling.Result ceiling;
    private final int tasks;

    HeldOutScore(SimWorld world, List<SimRequest> requests, ItemAgnosticCeiling.Result ceiling) {
        this.requests = List.copyOf(requests);
        this.ceiling = ceiling;
        this.tasks = world.tasks();
        Oracle oracle = world.oracle();
        this.evaluators = new ArrayList<>(requests.size());
        for (SimRequest r : requests) {
            evaluators.add(oracle.evaluator(r));
        }
    }

    /**
     * Draws {@code heldOut} requests of the world from the seed's held-out stream, solves the
     * oracle on each and fits the item-agnostic ceiling on {@code ceilingFit} requests.
     */
    public static HeldOutScore build(SimWorld world, int heldOut, int ceilingFit, long seed) {
        if (heldOut < 1 || ceilingFit < 1) {
            throw new IllegalArgumentException("need at least one held-out and one ceiling-fitting request, got "
                    + heldOut + " and " + ceilingFit);
        }
        UniformRandomProvider rng = World.rng(seed ^ HELD_OUT_STREAM);
        List<SimRequest> requests = new ArrayList<>(heldOut);
        for (int i = 0; i < heldOut; i++) {
            requests.add(world.nextRequest(rng, i * 1000L));
        }
        Oracle oracle = world.oracle();
        double[] oraclePost = new double[heldOut];
        for (int i = 0; i < heldOut; i++) {
            oraclePost[i] = oracle.solve(requests.get(i)).expectedPost();
        }
        ItemAgnosticCeiling.Result ceiling = ItemAgnosticCeiling.measure(world, ceilingFit, requests, oraclePost, 0,
                seed);
        return new HeldOutScore(world, requests, ceiling);
    }

    /** A policy's score on the held-out requests. */
    public record Score(double policy, double gapClosed, double ofCeiling) {}

    /** Mean expected R_post of ranking each held-out request with {@code policy}'s weights for it. */
    public double meanPost(Weights policy) {
        double[] w = new double[tasks];
        double sum = 0;
        for (int i = 0; i < requests.size(); i++) {
            policy.weights(requests.get(i).features(), w);
            sum += evaluators.get(i).expectedPost(w);
        }
        return sum / requests.size();
    }

    /** The policy's mean expected R_post, its gap_closed and that as a share of ceiling_gap_closed. */
    public Score score(Weights policy) {
        double post = meanPost(policy);
        double gap = gapClosed(post);
        return new Score(post, gap, gap / ceiling.gapClosed());
    }

    /** (post - best static) / (oracle - best static) on these requests. */
    public double gapClosed(double post) {
        return (post - ceiling.bestStatic()) / (ceiling.oracle() - ceiling.bestStatic());
    }

    /** The held-out requests (read-only). */
    public List<SimRequest> requests() {
        return requests;
    }

    /** Best static vector, oracle and ceiling on these requests. */
    public ItemAgnosticCeiling.Result ceiling() {
        return ceiling;
    }
}
