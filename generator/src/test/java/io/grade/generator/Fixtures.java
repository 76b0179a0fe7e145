package io.grade.generator;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.PolicyHolder;
import io.grade.serving.ServingPolicy;
import io.grade.simulator.SimWorld;
import io.grade.simulator.World;
import io.grade.simulator.WorldConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/** A small world, configs, random valid policies and an in-memory run of the closed loop. */
final class Fixtures {

    static final WorldConfig SMALL_WORLD = WorldConfig.builder().users(300).items(400).build();
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    static final long TEN_MINUTES = 10 * 60 * 1000;

    private static final Map<Long, World> WORLDS = new java.util.concurrent.ConcurrentHashMap<>();

    private Fixtures() {}

    static World world(long seed) {
        return WORLDS.computeIfAbsent(seed, s -> World.create(SMALL_WORLD, s));
    }

    /**
     * A config for in-memory runs: 1000 requests/s at speedup 600 = one request every 0.6 simulated s;
     * no online holdout (every user is served the policy under test).
     */
    static GeneratorConfig.Builder config(long seed) {
        return GeneratorConfig.builder("unused:9092").world(SMALL_WORLD).worldSeed(7).seed(seed)
                .rate(1000).speedup(600).startEventTime(START).oracleEvery(0).controlShare(0);
    }

    static ServingPolicy staticPolicy(SimWorld world, GeneratorConfig config) {
        return ServingPolicy.staticWeights(config.modelId(), world.taskNames(), world.featureDim(),
                world.fusionKind(), world.fusionBetas(), config.staticWeights());
    }

    /** A valid snapshot with random parameters for the world's tasks and features. */
    static PolicySnapshot randomSnapshot(SimWorld world, String modelId, long version, long seed) {
        PolicyArchitecture arch = new PolicyArchitecture(world.featureDim(), 2, 8, 8, world.tasks(), 1e-3);
        Random rng = new Random(seed);
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (Map.Entry<String, int[]> e : arch.parameterShapes().entrySet()) {
            int n = 1;
            for (int d : e.getValue()) {
                n *= d;
            }
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rng.nextGaussian() * 0.7;
            }
            b.put(e.getKey(), e.getValue(), v);
        }
        SnapshotMetadata meta = new SnapshotMetadata(modelId, version, Instant.now(), START, world.taskNames(),
                world.fusionKind(), world.fusionBetas(), 20.0, 0.05, new TrainingStats(0.5, 0.01, 0.1, version, 100 * version));
        return PolicySnapshots.toSnapshot(arch, b.build(), meta);
    }

    /** The serving policy of a snapshot, through the same validation serving applies. */
    static ServingPolicy servingPolicy(PolicySnapshot snapshot, ServingPolicy fallback) {
        PolicyHolder holder = new PolicyHolder(fallback);
        holder.offer(snapshot);
        if (holder.current().version() != snapshot.getVersion()) {
            throw new IllegalStateException("snapshot was not accepted");
        }
        return holder.current();
    }

    /** One record handed to the sink. */
    /** One produced record; {@code kind} is null for a valid event. */
    record Sent(ClosedLoop.Topic topic, String key, byte[] value, MalformedKind kind) {}

    /** What an in-memory run produced. */
    record Run(List<Sent> sent, StatsRecorder stats, ClosedLoop loop) {

        List<Impression> impressions() {
            EventCodec<Impression> codec = EventCodec.impressions();
            List<Impression> out = new ArrayList<>();
            for (Sent s : sent) {
                if (s.topic() == ClosedLoop.Topic.IMPRESSIONS) {
                    out.add(codec.decode(s.value()).value());
                }
            }
            return out;
        }

        List<Feedback> feedback() {
            EventCodec<Feedback> codec = EventCodec.feedback();
            List<Feedback> out = new ArrayList<>();
            for (Sent s : sent) {
                if (s.topic() == ClosedLoop.Topic.FEEDBACK) {
                    out.add(codec.decode(s.value()).value());
                }
            }
            return out;
        }
    }

    /** Chooses the policy serving holds when request {@code index} comes; gets the static fallback. */
    @FunctionalInterface
    interface PolicySchedule {
        ServingPolicy policyAt(long index, ServingPolicy fallback);
    }

    /** Serves {@code requests} requests in memory with the static weights and drains the feedback. */
    static Run run(GeneratorConfig config, int requests) {
        return run(config, (i, fallback) -> fallback, requests);
    }

    /** Serves {@code requests} requests in memory and drains the feedback. */
    static Run run(GeneratorConfig config, PolicySchedule schedule, int requests) {
        SimWorld world = config.world().equals(SMALL_WORLD) ? world(config.worldSeed())
                : config.world().create(config.worldSeed());
        List<Sent> sent = new ArrayList<>();
        StatsRecorder stats = new StatsRecorder();
        ServingPolicy fallback = staticPolicy(world, config);
        ClosedLoop[] loop = new ClosedLoop[1];
        Supplier<ServingPolicy> policy = () -> schedule.policyAt(loop[0].requests(), fallback);
        loop[0] = new ClosedLoop(world, config, config.startEventTime().toEpochMilli(), policy, fallback,
                (topic, key, value, kind) -> sent.add(new Sent(topic,
                        key == null ? null : new String(key, java.nio.charset.StandardCharsets.UTF_8), value, kind)),
                stats);
        for (int i = 0; i < requests; i++) {
            loop[0].issueRequest(0);
        }
        loop[0].drainFeedback();
        return new Run(sent, stats, loop[0]);
    }
}
