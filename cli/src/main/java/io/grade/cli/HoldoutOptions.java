package io.grade.cli;

import io.grade.generator.GeneratorConfig;
import io.grade.serving.OnlineHoldout;
import picocli.CommandLine.Option;

/**
 * The online holdout's options of the commands that serve simulated traffic (a picocli mixin):
 * {@code --control-share} and {@code --control-salt} (docs/design-holdout.md).
 */
final class HoldoutOptions {

    @Option(names = "--control-share", defaultValue = "0.05",
            description = "Share of users in the online holdout's control arm, ranked with the static weights and recorded "
                    + "as CONTROL in the impression; 0 = no holdout (default: ${DEFAULT-VALUE}).")
    double controlShare;

    @Option(names = "--control-salt", defaultValue = OnlineHoldout.DEFAULT_SALT,
            description = "Salt of the holdout's user hash; a new salt draws a new control group (default: ${DEFAULT-VALUE}).")
    String controlSalt;

    /** Sets the holdout of a generator configuration. */
    GeneratorConfig.Builder applyTo(GeneratorConfig.Builder b) {
        return b.controlShare(controlShare).controlSalt(controlSalt);
    }
}
