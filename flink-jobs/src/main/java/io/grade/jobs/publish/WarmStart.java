package io.grade.jobs.publish;

import io.grade.model.policy.SnapshotExpectations;
import io.grade.schemas.PolicySnapshot;
import io.grade.serving.PolicyClient;
import io.grade.serving.PolicyClientHealth;
import io.grade.serving.ServingPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the newest committed, valid snapshot of a model on the policy topic, exactly as serving
 * sees it (the serving client's read_committed replay and its strict validation: tasks, feature
 * dimension, fusion, betas, positive concentrations, version range and jump bound), so a fresh
 * start of the job continues from the version serving holds instead of going back to version 1.
 */
public final class WarmStart {

    private static final Logger LOG = LoggerFactory.getLogger(WarmStart.class);

    private WarmStart() {}

    /** {@link #newest(String, String, ServingPolicy, long, Duration)} with the default version-jump bound. */
    public static Optional<PolicySnapshot> newest(String bootstrapServers, String topic, ServingPolicy fallback,
                                                  Duration timeout) {
        return newest(bootstrapServers, topic, fallback, SnapshotExpectations.DEFAULT_MAX_VERSION_JUMP, timeout);
    }

    /**
     * The newest valid snapshot, or empty if the topic holds none of this model.
     *
     * @param fallback fixes model id and the expected tasks, feature dimension, fusion and betas
     * @param maxVersionJump largest accepted version step between snapshots read in order
     * @throws IllegalStateException when the topic cannot be read within {@code timeout} (with the
     *     client's last error), or when it holds records of the model but none is valid: a cold
     *     start would then publish versions from 1 again, below what serving may hold
     */
    public static Optional<PolicySnapshot> newest(String bootstrapServers, String topic, ServingPolicy fallback,
                                                  long maxVersionJump, Duration timeout) {
        return newest(bootstrapServers, Map.of(), topic, fallback, maxVersionJump, timeout);
    }

    /**
     * As {@link #newest(String, String, ServingPolicy, long, Duration)}, the reader configured with
     * {@code clientProperties} too (security settings and the like; the job's --kafka-property).
     */
    public static Optional<PolicySnapshot> newest(String bootstrapServers, Map<String, String> clientProperties,
                                                  String topic, ServingPolicy fallback, long maxVersionJump,
                                                  Duration timeout) {
        return newest(bootstrapServers, clientProperties, topic, fallback, maxVersionJump, null, timeout);
    }

    /**
     * As above; with a {@code verifyKey}, only snapshots signed by the matching private key count
     * (an unsigned or forged one is rejected as SIGNATURE_MISSING / SIGNATURE_INVALID, so a job is
     * never continued from, and then re-signs, a snapshot someone else wrote on the topic).
     */
    public static Optional<PolicySnapshot> newest(String bootstrapServers, Map<String, String> clientProperties,
                                                  String topic, ServingPolicy fallback, long maxVersionJump,
                                                  java.security.PublicKey verifyKey, Duration timeout) {
        AtomicReference<PolicySnapshot> newest = new AtomicReference<>();
        PolicyClientHealth health;
        PolicyClient.Builder builder = PolicyClient.builder(bootstrapServers, topic, fallback)
                .kafkaProperties(clientProperties)
                .maxVersionJump(maxVersionJump)
                .onAccepted(newest::set);
        if (verifyKey != null) {
            builder.verifyWith(verifyKey);
        }
        try (PolicyClient client = builder.build().start()) {
            if (!client.awaitWarmUp(timeout)) {
                PolicyClientHealth h = client.health();
                throw new IllegalStateException("could not read policy topic " + topic + " within " + timeout
                        + " (bootstrap servers " + bootstrapServers + "); last error: " + h.lastError());
            }
            health = client.health();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading policy topic " + topic, e);
        }
        PolicySnapshot s = newest.get();
        if (s == null && health.rejectedInvalid() + health.decodeFailures() > 0) {
            throw new IllegalStateException("policy topic " + topic + " holds records of model " + fallback.modelId()
                    + " but no valid snapshot (rejected by reason " + health.rejectionsByReason() + ", undecodable "
                    + health.decodeFailures() + "): a cold start would publish versions from 1 again, below what "
                    + "serving may hold. Remove the bad records (e.g. a tombstone for key " + fallback.modelId()
                    + ") or start with --warm-start false");
        }
        if (health.rejectedInvalid() + health.decodeFailures() > 0) {
            LOG.warn("policy topic {} holds invalid snapshots of model {}: rejected by reason {}, undecodable {}",
                    topic, fallback.modelId(), health.rejectionsByReason(), health.decodeFailures());
        }
        if (s == null) {
            LOG.info("no policy of model {} on {}: cold start", fallback.modelId(), topic);
        } else {
            LOG.info("warm start of model {} from v{} on {}", fallback.modelId(), s.getVersion(), topic);
        }
        return Optional.ofNullable(s);
    }
}
