package io.grade.jobs.publish;

import io.grade.schemas.PolicySnapshot;
import io.grade.serving.PolicyClient;
import io.grade.serving.ServingPolicy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the newest committed, valid snapshot of a model on the policy topic, exactly as serving
 * sees it (the serving client's read_committed replay and validation), so a fresh start of the job
 * continues from the version serving holds instead of going back to version 1.
 */
public final class WarmStart {

    private static final Logger LOG = LoggerFactory.getLogger(WarmStart.class);

    private WarmStart() {}

    /** The newest valid snapshot, or empty if the topic holds none for this model. */
    public static Optional<PolicySnapshot> newest(String bootstrapServers, String topic, ServingPolicy fallback,
                                                  Duration timeout) {
        AtomicReference<PolicySnapshot> newest = new AtomicReference<>();
        try (PolicyClient client = PolicyClient.builder(bootstrapServers, topic, fallback)
                .onAccepted(newest::set)
                .build()
                .start()) {
            if (!client.awaitWarmUp(timeout)) {
                throw new IllegalStateException("could not read policy topic " + topic + " within " + timeout
                        + " (bootstrap servers " + bootstrapServers + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading policy topic " + topic, e);
        }
        PolicySnapshot s = newest.get();
        if (s == null) {
            LOG.info("no policy of model {} on {}: cold start", fallback.modelId(), topic);
        } else {
            LOG.info("warm start of model {} from v{} on {}", fallback.modelId(), s.getVersion(), topic);
        }
        return Optional.ofNullable(s);
    }
}
