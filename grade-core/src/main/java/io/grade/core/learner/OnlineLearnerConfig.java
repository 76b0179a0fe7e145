package io.grade.core.learner;

import io.grade.core.explore.ConcentrationSchedule;
import io.grade.core.grpo.GrpoConfig;
import java.util.Map;
import java.util.Objects;

/**
 * Options of the streaming learner around GRPO ({@link OnlineLearner}).
 *
 * @param grpo the GRPO options; {@code batchSize} is the number of new labelled requests per update
 * @param replayCapacity the newest labelled requests kept for reuse (0: no replay)
 * @param replayUpdates extra GRPO updates per new batch, each on {@code batchSize} requests drawn
 *     uniformly from the replay window (0: each labelled request feeds one update only)
 * @param alphaHorizonRequests the alphaHat schedule's horizon in labelled requests (converted to
 *     updates from the batch size and the replay updates)
 */
public record OnlineLearnerConfig(GrpoConfig grpo, int replayCapacity, int replayUpdates,
                                  long alphaHorizonRequests) implements java.io.Serializable {

    public OnlineLearnerConfig {
        Objects.requireNonNull(grpo, "grpo");
        if (replayCapacity < 0) {
            throw new IllegalArgumentException("replayCapacity must be >= 0, got " + replayCapacity);
        }
        if (replayUpdates < 0) {
            throw new IllegalArgumentException("replayUpdates must be >= 0, got " + replayUpdates);
        }
        if (replayUpdates > 0 && replayCapacity < grpo.batchSize()) {
            throw new IllegalArgumentException("replayCapacity " + replayCapacity + " must hold at least one batch of "
                    + grpo.batchSize() + " requests when there are replay updates");
        }
        if (alphaHorizonRequests < 1) {
            throw new IllegalArgumentException("alphaHorizonRequests must be >= 1, got " + alphaHorizonRequests);
        }
    }

    /** Updates per labelled request's batch: the new one plus the replayed ones. */
    public int updatesPerBatch() {
        return 1 + replayUpdates;
    }

    /** The GRPO options with the alphaHat horizon converted from requests to updates. */
    public GrpoConfig effectiveGrpo() {
        ConcentrationSchedule s = grpo.schedule();
        long updates = Math.max(1, (alphaHorizonRequests * updatesPerBatch() + grpo.batchSize() - 1) / grpo.batchSize());
        return grpo.withSchedule(new ConcentrationSchedule(s.alphaStart(), s.alphaEnd(), updates));
    }

    /** Copy with another learner seed. */
    public OnlineLearnerConfig withSeed(long seed) {
        return new OnlineLearnerConfig(grpo.withSeed(seed), replayCapacity, replayUpdates,
                alphaHorizonRequests);
    }

    /**
     * {@code base} with options overridden from short keys (for sweeps): lr, kl, epochs, B, G, clip,
     * alphaStart, alphaEnd, alphaHorizon (labelled requests), replay, replayUpdates, refSync.
     */
    public static OnlineLearnerConfig fromMap(Map<String, String> kv, OnlineLearnerConfig base) {
        GrpoConfig g = base.grpo();
        g = g.withLearningRate(Double.parseDouble(kv.getOrDefault("lr", String.valueOf(g.learningRate()))));
        g = g.withKlCoef(Double.parseDouble(kv.getOrDefault("kl", String.valueOf(g.klCoef()))));
        g = g.withInnerEpochs(Integer.parseInt(kv.getOrDefault("epochs", String.valueOf(g.innerEpochs()))));
        g = g.withBatchSize(Integer.parseInt(kv.getOrDefault("B", String.valueOf(g.batchSize()))));
        g = g.withGroupSize(Integer.parseInt(kv.getOrDefault("G", String.valueOf(g.groupSize()))));
        g = g.withClipEpsilon(Double.parseDouble(kv.getOrDefault("clip", String.valueOf(g.clipEpsilon()))));
        g = g.withRefSyncEvery(Long.parseLong(kv.getOrDefault("refSync", String.valueOf(g.refSyncEvery()))));
        ConcentrationSchedule s = g.schedule();
        g = g.withSchedule(new ConcentrationSchedule(
                Double.parseDouble(kv.getOrDefault("alphaStart", String.valueOf(s.alphaStart()))),
                Double.parseDouble(kv.getOrDefault("alphaEnd", String.valueOf(s.alphaEnd()))), s.horizon()));
        return new OnlineLearnerConfig(g,
                Integer.parseInt(kv.getOrDefault("replay", String.valueOf(base.replayCapacity()))),
                Integer.parseInt(kv.getOrDefault("replayUpdates", String.valueOf(base.replayUpdates()))),
                Long.parseLong(kv.getOrDefault("alphaHorizon", String.valueOf(base.alphaHorizonRequests()))));
    }
}
