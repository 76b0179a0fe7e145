package io.grade.simulator;

import java.util.List;

/**
 * The recipe of a world: its shape and parameters, from which {@link #create(long)} builds the
 * same world for the same seed. {@link WorldConfig} is the archetype world's, {@link
 * LatentWorldConfig} the latent world's; {@link Worlds} gives them by name.
 */
public sealed interface WorldSpec permits WorldConfig, LatentWorldConfig {

    /** The world's name in {@link Worlds}. */
    String name();

    /** Number of tasks n. */
    int tasks();

    /** Observable feature dimension d. */
    int featureDim();

    /** Task names in weight order. */
    List<String> taskNames();

    /** Feedback type per task, same order. */
    List<String> feedbackTypes();

    /** Builds the world of this recipe and seed (same inputs, identical world). */
    SimWorld create(long seed);

    /** The same recipe with another user count. */
    WorldSpec withUsers(int users);

    /** The same recipe with another catalogue size. */
    WorldSpec withItems(int items);
}
