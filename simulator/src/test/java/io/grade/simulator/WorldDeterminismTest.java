package io.grade.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.junit.jupiter.api.Test;

class WorldDeterminismTest {

    private static final WorldConfig SMALL = WorldConfig.builder().users(2_000).items(1_000).build();
    private static final double[] WEIGHTS = {0.4, 0.3, 0.2, 0.1};

    @Test
    void shouldBuildTheSameWorldFromTheSameSeed() {
        World a = World.create(SMALL, 11);
        World b = World.create(SMALL, 11);
        for (int u = 0; u < a.users(); u += 97) {
            assertThat(b.userFeatures(u)).containsExactly(a.userFeatures(u));
            assertThat(b.preferenceOf(u)).containsExactly(a.preferenceOf(u));
            assertThat(b.archetypeOf(u)).isEqualTo(a.archetypeOf(u));
        }
    }

    @Test
    void shouldProduceIdenticalStreamsForTheSameWorldAndStreamSeeds() {
        List<Object[]> first = stream(World.create(SMALL, 11), 5);
        List<Object[]> second = stream(World.create(SMALL, 11), 5);
        assertThat(second).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i)).isEqualTo(first.get(i));
        }
    }

    @Test
    void shouldProduceDifferentWorldsAndStreamsForDifferentSeeds() {
        assertThat(World.create(SMALL, 12).userFeatures(0)).isNotEqualTo(World.create(SMALL, 11).userFeatures(0));
        Object[] a = stream(World.create(SMALL, 11), 5).get(0);
        Object[] b = stream(World.create(SMALL, 11), 6).get(0);
        assertThat(b).isNotEqualTo(a);
    }

    private static List<Object[]> stream(World world, long streamSeed) {
        UniformRandomProvider rng = World.rng(streamSeed);
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            SimRequest r = world.nextRequest(rng, 1_000L * i);
            SimOutcome o = world.respond(r, WEIGHTS, rng);
            out.add(new Object[] {r.user(), r.features(), r.itemIds(), r.scores(), r.expectedLabels(), o.ranking(),
                o.labels(), o.feedback()});
        }
        return out;
    }
}
