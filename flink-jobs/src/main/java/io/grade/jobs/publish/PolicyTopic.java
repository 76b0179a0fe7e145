package io.grade.jobs.publish;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy topic's contract: compacted (serving replays the newest version of each model id from
 * the beginning) and able to hold one snapshot per message. Created when missing; an existing
 * topic that breaks the contract fails the job at start-up with a message naming the setting.
 */
public final class PolicyTopic {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyTopic.class);

    private PolicyTopic() {}

    /**
     * Creates the topic (1 partition, compacted, {@code maxMessageBytes}; replication {@code <= 0}
     * means the broker default) if missing, else checks it.
     *
     * @throws IllegalStateException if an existing topic is not compacted or its max.message.bytes is too small
     */
    public static void ensure(Admin admin, String topic, int maxMessageBytes, short replication) {
        try {
            Optional<Config> existing = describe(admin, topic);
            if (existing.isEmpty()) {
                // replication <= 0: the broker's default.replication.factor
                NewTopic nt = (replication > 0 ? new NewTopic(topic, 1, replication)
                        : new NewTopic(topic, Optional.of(1), Optional.empty())).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes),
                        TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000"));
                try {
                    admin.createTopics(List.of(nt)).all().get(30, TimeUnit.SECONDS);
                    LOG.info("created policy topic {} (compacted, max.message.bytes={})", topic, maxMessageBytes);
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    existing = describe(admin, topic); // created concurrently: check it like any other
                }
            }
            check(topic, existing.orElseThrow(), maxMessageBytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking policy topic " + topic, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create or describe policy topic " + topic + ": " + e.getMessage(), e);
        }
    }

    static void check(String topic, Config config, int maxMessageBytes) {
        ConfigEntry cleanup = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (cleanup == null || !cleanup.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            throw new IllegalStateException("policy topic " + topic + " must have cleanup.policy=compact (found "
                    + (cleanup == null ? "none" : cleanup.value()) + "): serving replays it from the beginning");
        }
        ConfigEntry max = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (max != null && Integer.parseInt(max.value()) < maxMessageBytes) {
            throw new IllegalStateException("policy topic " + topic + " has max.message.bytes=" + max.value()
                    + ", below the " + maxMessageBytes + " bytes a snapshot may need");
        }
    }

    private static Optional<Config> describe(Admin admin, String topic)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
            return Optional.empty();
        }
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return Optional.of(admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r));
    }
}
