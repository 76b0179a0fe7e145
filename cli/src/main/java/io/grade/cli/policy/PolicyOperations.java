package io.grade.cli.policy;

import io.grade.model.policy.PolicyControls;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.PolicyVersions;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.KafkaClientProperties;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The writing policy operations of {@code ./grade policy}: rollback (republish a version's
 * parameters as a new, higher version) and the control records (pin, unpin, kill switch). Each
 * reads the topic first ({@link PolicyTopicView}), so versions and control sequences only go up,
 * and each control record carries the whole control state (a kill switch keeps the pin, and the
 * other way round).
 *
 * <p>Signing: with a private key every record written is signed. Without one, writing is refused
 * when the topic's newest snapshot (or the snapshot to republish or pin) is signed: the job signs,
 * so its clients may verify, and an unsigned rollback or control record would be rejected by them.
 */
public final class PolicyOperations {

    /** Kafka client properties the operations set themselves. */
    public static final Map<String, String> RESERVED_PROPERTIES = KafkaClientProperties.reserved(Map.of(
            "isolation.level", "the CLI reads read_committed, as serving does",
            "acks", "records are written with acks=all",
            "enable.idempotence", "records are written idempotently"));

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String topic;
    private final String modelId;
    private final PrivateKey signingKey;
    private final PublicKey verifyKey;
    private final String issuedBy;
    private final Duration timeout;
    private final Clock clock;

    /**
     * @param signingKey signs what is written; null = unsigned (refused on a signed topic)
     * @param verifyKey the job's public key: only correctly signed control records count as the
     *     state to carry over (as for verifying clients); null = every decodable one
     * @param issuedBy who writes (user@host), stored in control records and the origin header
     */
    public PolicyOperations(String bootstrapServers, Map<String, String> clientProperties, String topic,
                            String modelId, PrivateKey signingKey, PublicKey verifyKey, String issuedBy,
                            Duration timeout, Clock clock) {
        KafkaClientProperties.refuse(clientProperties, RESERVED_PROPERTIES, "grade policy");
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.topic = topic;
        this.modelId = modelId;
        this.signingKey = signingKey;
        this.verifyKey = verifyKey;
        this.issuedBy = issuedBy;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The topic as it is now. */
    public PolicyTopicView view() {
        return PolicyTopicView.read(bootstrapServers, clientProperties, topic, modelId, timeout);
    }

    /**
     * Republishes {@code version}'s parameters (everything but version, creation time and signature)
     * as version max + 1, max being the highest version on the topic.
     *
     * @return the new snapshot as written
     * @throws OperationException when the version is not on the topic or signing is required
     */
    public PolicySnapshot rollback(long version) {
        PolicyTopicView view = view();
        PolicySnapshot source = require(view, version);
        long next = PolicyVersions.next(view.maxVersion());
        PolicySnapshot copy = PolicySnapshot.newBuilder(source)
                .setVersion(next)
                .setCreatedAt(clock.instant())
                .setSignature(null)
                .build();
        requireSigningIfSigned(view, source, "rollback");
        if (signingKey != null) {
            copy = PolicySignatures.sign(copy, signingKey);
        }
        send(modelId, EventCodec.policySnapshots().encode(copy), "rollback to v" + version + " by " + issuedBy);
        return copy;
    }

    /** Pins {@code version}: serving serves it, the learner holds publishing, until {@link #unpin}. */
    public PolicyControl pin(long version) {
        PolicyTopicView view = view();
        PolicySnapshot pinned = require(view, version);
        requireSigningIfSigned(view, pinned, "pin");
        return writeControl(view, view.currentControl(verifyKey).map(PolicyControl::getKillSwitch).orElse(false), pinned);
    }

    /** Lifts the pin (the kill switch stays as it is). */
    public PolicyControl unpin() {
        PolicyTopicView view = view();
        requireSigningIfSigned(view, null, "unpin");
        return writeControl(view, view.currentControl(verifyKey).map(PolicyControl::getKillSwitch).orElse(false), null);
    }

    /** Turns the kill switch on or off (a pin stays as it is). */
    public PolicyControl killSwitch(boolean on) {
        PolicyTopicView view = view();
        requireSigningIfSigned(view, null, "kill-switch");
        PolicySnapshot pinned = view.currentControl(verifyKey)
                .map(c -> PolicyControls.check(c, modelId, null, verifyKey).pinned()).orElse(null);
        return writeControl(view, on, pinned);
    }

    private PolicyControl writeControl(PolicyTopicView view, boolean kill, PolicySnapshot pinned) {
        long sequence = view.maxControlSequence() + 1;
        PolicyControl c = PolicyControls.of(modelId, sequence, clock.instant(), issuedBy, kill, pinned);
        if (signingKey != null) {
            c = PolicyControls.sign(c, signingKey);
        }
        String what = (kill ? "kill switch on" : "kill switch off") + ", "
                + (pinned == null ? "not pinned" : "pinned to v" + pinned.getVersion()) + " by " + issuedBy;
        send(PolicyControls.key(modelId), EventCodec.policyControls().encode(c), what);
        return c;
    }

    private PolicySnapshot require(PolicyTopicView view, long version) {
        return require(view, version, topic, verifyKey);
    }

    /**
     * The snapshot of {@code version} in {@code view} (or pinned by its valid control record), or an
     * {@link OperationException} listing the versions there.
     */
    public static PolicySnapshot require(PolicyTopicView view, long version, String topic, PublicKey verifyKey) {
        return view.snapshot(version, verifyKey).orElseThrow(() -> new OperationException("v" + version + " of model "
                + view.modelId() + " is not on policy topic " + topic + " (versions there: " + view.versions()
                + "; compaction removes older ones)"));
    }

    private void requireSigningIfSigned(PolicyTopicView view, PolicySnapshot subject, String operation) {
        if (signingKey != null) {
            return;
        }
        boolean signed = (subject != null && subject.getSignature() != null)
                || view.snapshots().stream().filter(PolicyTopicView.Entry::ok)
                        .reduce((a, b) -> b).map(e -> e.value().getSignature() != null).orElse(false);
        if (signed) {
            throw new OperationException("the policy topic's snapshots are signed, so serving may verify them and "
                    + "would reject an unsigned " + operation + ": give --signing-key-file or --signing-key-env "
                    + "(the job's private key)");
        }
    }

    private void send(String key, byte[] value, String origin) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Math.max(value.length + 4096, 1 << 20)));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(timeout.toMillis(), 1000)));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(timeout.toMillis(), 30_000)));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
            r.headers().add(PolicyTopicView.ORIGIN_HEADER, origin.getBytes(StandardCharsets.UTF_8));
            RecordMetadata m = producer.send(r).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new OperationException("no acknowledgement for " + origin);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationException("interrupted while writing to " + topic);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new OperationException("cannot write to policy topic " + topic + " on " + bootstrapServers + ": "
                    + cause);
        }
    }

    /** An operation that cannot be carried out, with the reason for the operator. */
    public static final class OperationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public OperationException(String message) {
            super(message);
        }
    }
}
