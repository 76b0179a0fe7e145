package io.grade.core.learner;

import java.util.Objects;

/**
 * Everything the learner needs to gate its publishing: which labelled requests are held out, how
 * many of the newest held-out ones judge a candidate, and the {@link QualityGate}'s rule.
 *
 * @param holdout which requests are held out from training (by request id); its share must be > 0
 * @param window capacity of the {@link HoldoutWindow}, >= 1
 * @param config the gate's rule
 */
public record GateSettings(HoldoutSelector holdout, int window, QualityGateConfig config)
        implements java.io.Serializable {

    public GateSettings {
        Objects.requireNonNull(holdout, "holdout");
        Objects.requireNonNull(config, "config");
        if (!(holdout.share() > 0)) {
            throw new IllegalArgumentException("share must be in (0, 1) when the quality gate is on (with nothing "
                    + "held out nothing could ever be published), got " + holdout.share());
        }
        if (window < config.minRequests()) {
            throw new IllegalArgumentException("window " + window + " must hold at least minRequests = "
                    + config.minRequests() + " requests");
        }
    }

    /** 5 % held out, the newest 4,000 of them, the default rule. */
    public static GateSettings defaults() {
        return new GateSettings(HoldoutSelector.defaults(), HoldoutWindow.DEFAULT_CAPACITY, QualityGateConfig.defaults());
    }
}
