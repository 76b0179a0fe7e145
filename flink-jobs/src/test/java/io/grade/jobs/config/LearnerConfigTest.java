package io.grade.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.model.policy.PolicyKeySource;
import io.grade.model.policy.PolicyKeys;
import io.grade.model.policy.PolicySignatures;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every learner option with a value its validator rejects: the message names the flag as the user
 * typed it ({@code --group-size}), never the Java parameter behind it ({@code groupSize}).
 */
class LearnerConfigTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "group-size | 1 | groupSize",
            "update-every | 0 | batchSize",
            "clip-epsilon | 1.5 | clipEpsilon",
            "kl-coef | -1 | klCoef",
            "inner-epochs | 0 | innerEpochs",
            "learning-rate | 0 | learningRate",
            "grad-clip-norm | 0 | gradClipNorm",
            "min-reward-std | -1 | minRewardStd",
            "ref-sync-every | 0 | refSyncEvery",
            "alpha-min | -1 | alphaMin",
            "gaussian-sigma | 0 | gaussianSigma",
            "alpha-start | 0 | alphaStart",
            "alpha-end | -2 | alphaEnd",
            "alpha-horizon-requests | 0 | alphaHorizon",
            "replay-capacity | -1 | replayCapacity",
            "replay-updates | -1 | replayUpdates",
            // the Java name is the flag's: only the form of the message is checked
            "experts | 0 | ''",
            "hidden | 0 | ''",
            "tower | 0 | ''",
            "epsilon-floor | 0.9 | epsilonFloor",
            "update-interval | 0 s | updateInterval",
            "publish-interval | 0 s | publishInterval",
            "model-id | ' ' | modelId",
            "policy-max-message-bytes | 0 | policyMaxMessageBytes",
    })
    void shouldNameTheFlagOfABadLearnerOption(String key, String value, String javaName) {
        Map<String, String> flags = Map.of(key, value);
        Configuration conf = CommandLine.toConfiguration(flags);
        GradeConfig join = GradeConfig.from(conf);
        assertThatThrownBy(() -> LearnerConfig.from(conf, join))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("option '--" + key + "' ")
                .hasMessageContaining(value.trim().isEmpty() ? "empty" : value.replace(" s", ""))
                .satisfies(e -> {
                    if (javaName != null && !javaName.isBlank()) {
                        assertThat(e.getMessage()).doesNotContain(javaName);
                    }
                });
    }

    @org.junit.jupiter.api.Test
    void shouldLoadTheWarmStartVerifyKeyAtStartUpNamingTheOption(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path missing = dir.resolve("missing.pub");
        Configuration bad = CommandLine.toConfiguration(Map.of("verify-key-file", missing.toString()));
        assertThatThrownBy(() -> LearnerConfig.from(bad, GradeConfig.from(bad)))
                .hasMessageStartingWith("option '--verify-key-file': ");
        java.security.KeyPair pair = io.grade.model.policy.PolicySignatures.generateKeyPair();
        java.nio.file.Path pub = dir.resolve("policy.pub");
        io.grade.model.policy.PolicyKeys.write(pub, pair.getPublic());
        Configuration good = CommandLine.toConfiguration(Map.of("verify-key-file", pub.toString()));
        assertThat(LearnerConfig.from(good, GradeConfig.from(good)).verifyKey()).isEqualTo(pair.getPublic());
        java.nio.file.Path priv = dir.resolve("policy.key");
        io.grade.model.policy.PolicyKeys.write(priv, pair.getPrivate());
        Configuration wrong = CommandLine.toConfiguration(Map.of("verify-key-file", priv.toString()));
        assertThatThrownBy(() -> LearnerConfig.from(wrong, GradeConfig.from(wrong)))
                .hasMessageStartingWith("option '--verify-key-file': ");
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseAReplayWindowSmallerThanOneBatch() {
        Configuration conf = CommandLine.toConfiguration(Map.of("replay-capacity", "100", "update-every", "256"));
        assertThatThrownBy(() -> LearnerConfig.from(conf, GradeConfig.from(conf)))
                .hasMessageStartingWith("option '--replay-capacity' 100 must hold at least one batch of 256");
        Configuration noReplay = CommandLine.toConfiguration(Map.of("replay-capacity", "100", "replay-updates", "0"));
        assertThat(LearnerConfig.from(noReplay, GradeConfig.from(noReplay)).online().replayUpdates()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "lambda-post | -1",
            "lambda-prior | -0.5",
            "tau | NaN",
            "ndcg-k | 0",
    })
    void shouldNameTheFlagOfABadRewardOption(String key, String value) {
        assertThatThrownBy(() -> GradeConfig.fromMap(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("option '--" + key + "'");
    }

    @org.junit.jupiter.api.Test
    void shouldLoadTheSigningKeyAtStartUpAndNameTheOptionOfABadOne(@TempDir Path dir) throws Exception {
        Configuration unsigned = CommandLine.toConfiguration(Map.of());
        assertThat(LearnerConfig.from(unsigned, GradeConfig.from(unsigned)).signingKey()).isNull();

        KeyPair keys = PolicySignatures.generateKeyPair();
        Path key = dir.resolve("policy.key");
        PolicyKeys.write(key, keys.getPrivate());
        Configuration conf = CommandLine.toConfiguration(Map.of("signing-key-file", key.toString()));
        LearnerConfig config = LearnerConfig.from(conf, GradeConfig.from(conf));
        assertThat(config.signingKey()).isEqualTo(PolicyKeySource.file(key.toString()));
        assertThat(config.effectiveOptions()).containsEntry("signing-key-file", key.toString());

        Path missing = dir.resolve("missing.key");
        Configuration noFile = CommandLine.toConfiguration(Map.of("signing-key-file", missing.toString()));
        assertThatThrownBy(() -> LearnerConfig.from(noFile, GradeConfig.from(noFile)))
                .hasMessageStartingWith("option '--signing-key-file': cannot read key file " + missing);
        Path pub = dir.resolve("policy.pub");
        PolicyKeys.write(pub, keys.getPublic());
        Configuration publicKey = CommandLine.toConfiguration(Map.of("signing-key-file", pub.toString()));
        assertThatThrownBy(() -> LearnerConfig.from(publicKey, GradeConfig.from(publicKey)))
                .hasMessage("option '--signing-key-file': key file " + pub
                        + " holds a PEM 'PUBLIC KEY' block, expected 'PRIVATE KEY'");
        Configuration unsetEnv = CommandLine.toConfiguration(Map.of("signing-key-env", "GRADE_TEST_UNSET_KEY_42"));
        assertThatThrownBy(() -> LearnerConfig.from(unsetEnv, GradeConfig.from(unsetEnv)))
                .hasMessage("option '--signing-key-env': environment variable GRADE_TEST_UNSET_KEY_42 is not set");
        Configuration both = CommandLine.toConfiguration(Map.of("signing-key-file", key.toString(),
                "signing-key-env", "X"));
        assertThatThrownBy(() -> LearnerConfig.from(both, GradeConfig.from(both)))
                .hasMessageStartingWith("option '--signing-key-file' and --signing-key-env are exclusive");
    }
}
