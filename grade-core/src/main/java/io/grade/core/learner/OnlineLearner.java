package io.grade.core.learner;

import io.grade.core.data.TrainingRequest;
import io.grade.core.grpo.GrpoLearner;
import io.grade.core.grpo.GrpoLearnerState;
import io.grade.core.grpo.UpdateResult;
import io.grade.core.policy.PolicyNetwork;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.reward.CompositeReward;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The streaming learner: batches of new labelled requests in, GRPO updates out. Around {@link
 * GrpoLearner} it adds more learning per labelled request: the newest {@code replayCapacity}
 * requests stay in a {@link ReplayWindow} and every new batch is followed by {@code replayUpdates}
 * updates on batches drawn from it. Each update samples fresh weight vectors from the current
 * policy, so only the labels are stale (they were produced under an older ranking). The draws
 * are seeded from the learner seed and the count of updates, so a restored learner replays
 * exactly what the original would have. Not thread-safe.
 */
public final class OnlineLearner {

    private static final long DRAW_STREAM = 0x2E91_A7F3_0B5DL;

    private final OnlineLearnerConfig config;
    private final GrpoLearner grpo;
    private final ReplayWindow window;
    private final List<TrainingRequest> pending;
    private UpdateResult lastResult;

    private OnlineLearner(OnlineLearnerConfig config, GrpoLearner grpo) {
        this.config = Objects.requireNonNull(config, "config");
        this.grpo = grpo;
        this.window = new ReplayWindow(config.replayCapacity());
        this.pending = new ArrayList<>(config.grpo().batchSize());
    }

    /** A learner starting from {@code initial} (cold: a fresh network; warm: a snapshot's). */
    public static OnlineLearner start(OnlineLearnerConfig config, CompositeReward reward, PolicyNetwork initial) {
        return new OnlineLearner(config, new GrpoLearner(config.effectiveGrpo(), reward, initial));
    }

    /** A learner from a freshly initialised network. */
    public static OnlineLearner coldStart(OnlineLearnerConfig config, CompositeReward reward, PolicyArchitecture arch,
                                          long initSeed) {
        return start(config, reward, new PolicyNetwork(arch, initSeed));
    }

    /** A learner continuing from a checkpoint; the replay window's slots are put back with {@link #window()}. */
    public static OnlineLearner restore(OnlineLearnerConfig config, CompositeReward reward, PolicyArchitecture arch,
                                        GrpoLearnerState state, long replayAdded) {
        OnlineLearner l = new OnlineLearner(config, GrpoLearner.restore(config.effectiveGrpo(), reward, arch, state));
        l.window.setAdded(replayAdded);
        return l;
    }

    /** Buffers one request; learns when a batch is full. Returns the updates run. */
    public int accept(TrainingRequest r) {
        pending.add(r);
        if (pending.size() < config.grpo().batchSize()) {
            return 0;
        }
        List<TrainingRequest> batch = List.copyOf(pending);
        pending.clear();
        return learn(batch);
    }

    /**
     * One update on the new {@code batch}, which then joins the replay window, and {@code
     * replayUpdates} updates on batches drawn from the window. Returns the updates run.
     */
    public int learn(List<TrainingRequest> batch) {
        lastResult = grpo.update(batch);
        for (TrainingRequest r : batch) {
            window.add(r);
        }
        int runs = 1;
        int b = config.grpo().batchSize();
        if (window.size() >= b) {
            for (int u = 0; u < config.replayUpdates(); u++) {
                long drawSeed = config.grpo().seed() ^ DRAW_STREAM ^ (grpo.updateCount() * 0x9E37_79B9_7F4A_7C15L);
                lastResult = grpo.update(window.draw(b, drawSeed));
                runs++;
            }
        }
        return runs;
    }

    /** The replay window (the job mirrors it into keyed state and puts it back on restore). */
    public ReplayWindow window() {
        return window;
    }

    /** The result of the last update, or null. */
    public UpdateResult lastResult() {
        return lastResult;
    }

    /** The GRPO learner underneath. */
    public GrpoLearner grpo() {
        return grpo;
    }

    public OnlineLearnerConfig config() {
        return config;
    }
}
