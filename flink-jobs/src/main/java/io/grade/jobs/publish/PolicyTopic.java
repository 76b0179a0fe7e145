package io.grade.jobs.publish;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy topic's contract: compacted (serving replays the newest version of each model id from
 * the beginning) and able to hold one snapshot per message. Created when missing; an existing
 * topic that breaks the contract fails the job at start-up with a message naming the setting.
 *
 * <p>Topic metadata is eventually consistent: a topic created a moment ago (by this call or a
 * concurrent one) may not be described yet, and creating it then reports that it exists. So
 * {@link #ensure} describes, creates if missing, and describes again with a short backoff until the
 * metadata agrees or the deadline passes; every failure names the topic, the broker address and
 * the timeout.
 */
public final class PolicyTopic {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyTopic.class);
    private static final long MAX_RETRY_DELAY_MS = 1_000;

    private PolicyTopic() {}

    /**
     * Like {@link #ensure(Admin, String, String, int, short, Duration)} with an admin client of its
     * own for {@code bootstrapServers}, closed before returning.
     */
    public static void ensure(String bootstrapServers, String topic, int maxMessageBytes, short replication,
                              Duration timeout) {
        ensure(bootstrapServers, Map.of(), topic, maxMessageBytes, replication, timeout);
    }

    /**
     * As {@link #ensure(String, String, int, short, Duration)}, the admin client configured with
     * {@code clientProperties} too (security settings and the like; the job's --kafka-property).
     */
    public static void ensure(String bootstrapServers, Map<String, String> clientProperties, String topic,
                              int maxMessageBytes, short replication, Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long ms = Math.max(1, timeout.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(ms));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(ms, 30_000)));
        Admin admin = Admin.create(p);
        try {
            ensure(admin, bootstrapServers, topic, maxMessageBytes, replication, timeout);
        } finally {
            admin.close(Duration.ZERO); // nothing of ours is pending; do not wait for an unreachable broker
        }
    }

    /**
     * Creates the topic (1 partition, compacted, {@code maxMessageBytes}; replication {@code <= 0}
     * means the broker default) if missing, else checks it; returns once the topic is described
     * with the contract's settings.
     *
     * @param brokerAddress the admin client's bootstrap servers, for messages
     * @param timeout bound of the whole call
     * @throws IllegalStateException if Kafka cannot be reached within {@code timeout}, the topic's
     *     metadata does not settle within it, or an existing topic is not compacted or its
     *     max.message.bytes is too small
     */
    public static void ensure(Admin admin, String brokerAddress, String topic, int maxMessageBytes, short replication,
                              Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = "policy topic " + topic + " on Kafka at " + brokerAddress;
        try {
            try {
                admin.describeCluster().nodes().get(remainingMs(deadline), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new IllegalStateException("cannot reach Kafka at " + brokerAddress + " within " + human(timeout)
                        + " (while ensuring policy topic " + topic + "): " + describe(e), e);
            }
            boolean created = false;
            Throwable last = null;
            long delay = 50;
            while (true) {
                try {
                    Optional<Config> config = describe(admin, topic, deadline);
                    if (config.isPresent()) {
                        check(topic, config.get(), maxMessageBytes);
                        return;
                    }
                    if (!created) {
                        admin.createTopics(List.of(newTopic(topic, maxMessageBytes, replication))).all()
                                .get(remainingMs(deadline), TimeUnit.MILLISECONDS);
                        created = true;
                        LOG.info("created policy topic {} (compacted, max.message.bytes={})", topic, maxMessageBytes);
                    }
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof TopicExistsException) {
                        created = true; // created concurrently or a moment ago: wait until it is described
                    } else if (!(cause instanceof RetriableException)) {
                        throw new IllegalStateException("cannot create or describe " + where + ": " + cause, cause);
                    }
                    last = cause;
                } catch (TimeoutException e) {
                    last = e;
                }
                long left = remainingMs(deadline);
                if (left <= 0) {
                    throw new IllegalStateException(where + (created ? " was created or reported as existing, but"
                            : " could not be created and") + " its metadata did not show it within " + human(timeout)
                            + "; last error: " + (last == null ? "none" : last.toString()));
                }
                Thread.sleep(Math.min(delay, left));
                delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ensuring " + where, e);
        }
    }

    private static NewTopic newTopic(String topic, int maxMessageBytes, short replication) {
        // replication <= 0: the broker's default.replication.factor
        return (replication > 0 ? new NewTopic(topic, 1, replication)
                : new NewTopic(topic, Optional.of(1), Optional.empty())).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes),
                TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000"));
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

    /** The topic's configuration, or empty when the metadata does not know the topic (yet). */
    private static Optional<Config> describe(Admin admin, String topic, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(remainingMs(deadline), TimeUnit.MILLISECONDS);
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config c = admin.describeConfigs(List.of(r)).all().get(remainingMs(deadline), TimeUnit.MILLISECONDS).get(r);
            return Optional.ofNullable(c);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static long remainingMs(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static String describe(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
