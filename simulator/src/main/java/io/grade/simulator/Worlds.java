package io.grade.simulator;

import java.util.List;

/** The simulated worlds by name: what {@code --world} of the demo, the generator and the experiment accepts. */
public final class Worlds {

    /** Every world's name, the default first. */
    public static final List<String> NAMES = List.of(WorldConfig.NAME, LatentWorldConfig.NAME);

    /** The default world: the archetype world the project was built around. */
    public static final String DEFAULT = WorldConfig.NAME;

    private Worlds() {}

    /** The default recipe of the named world; an unknown name fails with a message listing the known ones. */
    public static WorldSpec spec(String name) {
        if (WorldConfig.NAME.equals(name)) {
            return WorldConfig.defaults();
        }
        if (LatentWorldConfig.NAME.equals(name)) {
            return LatentWorldConfig.defaults();
        }
        throw new IllegalArgumentException("unknown world '" + name + "'; known worlds: " + String.join(", ", NAMES));
    }

    /** The named world with its default recipe, built from the seed. */
    public static SimWorld create(String name, long seed) {
        return spec(name).create(seed);
    }
}
