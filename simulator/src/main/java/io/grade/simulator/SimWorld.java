package io.grade.simulator;

import io.grade.schemas.FusionKind;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A simulated recommender world: users with a hidden preference over the tasks, a catalogue, an
 * MTL model that scores candidates, users who respond to a ranking with delayed feedback, and the
 * {@link Oracle} that scores any fusion weights with the true expected labels.
 *
 * <p>What the generator, the offline experiment and the demo rely on, whatever the world's
 * generative story: immutable and thread-safe; the same seed builds the same world; requests,
 * responses and everything random come from the generator the caller passes in. Task roles are the
 * same in every world: task 0 is a click (binary), task 1 an order after a click (binary), every
 * later task an amount carried by an order. {@link Worlds} names the worlds there are; the stories
 * are in docs/design-simulator.md.
 */
public sealed interface SimWorld permits World, LatentWorld {

    /** The recipe this world was built from. */
    WorldSpec spec();

    /** The seed it was built with. */
    long seed();

    /** The world's name in {@link Worlds} ({@code archetypes}, {@code latent}). */
    default String name() {
        return spec().name();
    }

    int users();

    int items();

    /** Number of tasks n (weights, scores and labels per item). */
    int tasks();

    /** Observable feature dimension d. */
    int featureDim();

    /** Candidates per request M. */
    int candidates();

    /** Task names in weight order. */
    List<String> taskNames();

    /** Feedback type per task, same order. */
    List<String> feedbackTypes();

    /** Tasks whose label is binary (click and order): the others carry amounts. */
    default List<String> binaryTasks() {
        return taskNames().subList(0, 2);
    }

    /**
     * Names of the hidden user segments reported per request ({@link SimRequest#archetype()}):
     * the archetypes, or in a world without them a partition of the hidden preference.
     */
    List<String> archetypeNames();

    FusionKind fusionKind();

    /** LOG_LINEAR smoothing bias per task (a copy). */
    double[] fusionBetas();

    /** NDCG cut-off of R_post. */
    int ndcgK();

    /** c_k of R_post (a copy). */
    double[] taskImportance();

    /** The oracle, configured with this world's fusion and reward settings. */
    Oracle oracle();

    /** Hidden segment index of a user. */
    int archetypeOf(int user);

    /** The user's hidden preference over the tasks (a copy; on the simplex). */
    double[] preferenceOf(int user);

    /** The user's stable observable features, before per-request drift (a copy). */
    double[] userFeatures(int user);

    /** A request of a user drawn uniformly at random. */
    default SimRequest nextRequest(UniformRandomProvider rng, long eventTimeMillis) {
        return requestFor(rng.nextInt(users()), rng, eventTimeMillis);
    }

    /** A request of the given user: features, candidates, their MTL scores and true expected labels. */
    SimRequest requestFor(int user, UniformRandomProvider rng, long eventTimeMillis);

    /** Serves a request with the given fusion weights (the world's fusion ranks) and draws the response. */
    SimOutcome respond(SimRequest r, double[] servedWeights, UniformRandomProvider rng);

    /** The user's response to a ranking made elsewhere; {@code servedWeights} is only recorded. */
    SimOutcome respond(SimRequest r, double[] servedWeights, int[] ranking, UniformRandomProvider rng);
}
