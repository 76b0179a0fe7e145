package io.grade.model.policy;

import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.schemas.codec.SchemaHistory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Control records of the policy topic ({@link PolicyControl}: pin, kill switch). They live under
 * their own key, {@code <modelId>}{@value #KEY_SUFFIX}, so compaction of the topic keeps the newest
 * snapshot and the newest control state of a model side by side, and a client that does not know
 * them skips them as records of another model. Each record carries the whole control state
 * (kill switch, pinned version and the pinned snapshot itself) and a strictly increasing sequence.
 *
 * <p>Signed like snapshots: Ed25519 over the UTF-8 context {@value #CONTEXT}, a NUL, then the
 * single-object encoding of the record with {@code signature} null under the frozen released schema
 * {@code PolicyControl.v1}. Thread-safe.
 */
public final class PolicyControls {

    /** Appended to the model id to form the Kafka key of its control records. */
    public static final String KEY_SUFFIX = "#control";

    /** Domain-separation context of the signed content (differs from the snapshots'). */
    public static final String CONTEXT = "GRADE-PolicyControl-Ed25519-v1";

    private static final byte[] CONTEXT_BYTES = (CONTEXT + '\0').getBytes(StandardCharsets.UTF_8);
    private static final Schema SIGNED_SCHEMA = SchemaHistory.released("PolicyControl").get(0);
    private static final BinaryMessageEncoder<PolicyControl> ENCODER = new BinaryMessageEncoder<>(
            PolicySignatures.genericWithTimestamps(), SIGNED_SCHEMA);
    private static final EventCodec<PolicySnapshot> SNAPSHOTS = EventCodec.policySnapshots();

    private PolicyControls() {}

    /** The Kafka key of the control records of {@code modelId}. */
    public static String key(String modelId) {
        return modelId + KEY_SUFFIX;
    }

    /**
     * A control record (unsigned).
     *
     * @param pinned the snapshot to serve instead of the newest, or null for no pin
     */
    public static PolicyControl of(String modelId, long sequence, Instant createdAt, String issuedBy,
                                   boolean killSwitch, PolicySnapshot pinned) {
        return PolicyControl.newBuilder()
                .setModelId(modelId)
                .setSequence(sequence)
                .setCreatedAt(createdAt)
                .setIssuedBy(issuedBy)
                .setKillSwitch(killSwitch)
                .setPinnedVersion(pinned == null ? 0 : pinned.getVersion())
                .setPinnedSnapshot(pinned == null ? null : ByteBuffer.wrap(SNAPSHOTS.encode(pinned)))
                .setSignature(null)
                .build();
    }

    /** The bytes a signature covers (see the class comment); the record's own signature is ignored. */
    public static byte[] signedContent(PolicyControl c) {
        PolicyControl unsigned = PolicyControl.newBuilder(c).setSignature(null).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(CONTEXT_BYTES);
        try {
            ENCODER.encode(unsigned, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the signed content of control #" + c.getSequence(), e);
        }
        return out.toByteArray();
    }

    /** A copy of {@code c} carrying its Ed25519 signature by {@code key}. */
    public static PolicyControl sign(PolicyControl c, PrivateKey key) {
        byte[] sig = PolicySignatures.signBytes(signedContent(c), key, describe(c));
        return PolicyControl.newBuilder(c).setSignature(ByteBuffer.wrap(sig)).build();
    }

    /** Empty when {@code c} carries a valid signature by {@code key}'s private key; never throws. */
    public static List<SnapshotProblem> verify(PolicyControl c, PublicKey key) {
        return PolicySignatures.verifyBytes(c.getSignature(), () -> signedContent(c), key, describe(c));
    }

    /**
     * Everything a consumer checks before it applies a control record: the record's own fields,
     * the pinned snapshot (decodable, of this model and the pinned version, valid against {@code
     * expected}; no version-jump check, a pin usually goes back), and with a {@code verifyKey} the
     * signatures of both the record and the pinned snapshot.
     *
     * @param modelId the consumer's model
     * @param expected what the pinned snapshot must agree with; null: structural checks only (tools)
     * @param verifyKey the job's public key, or null when signatures are not required
     */
    public static Checked check(PolicyControl c, String modelId, SnapshotExpectations expected, PublicKey verifyKey) {
        List<SnapshotProblem> problems = new ArrayList<>();
        String what = describe(c);
        if (!modelId.equals(c.getModelId())) {
            problems.add(invalid(what + " is for model " + c.getModelId() + ", not " + modelId));
        }
        if (c.getSequence() < 1) {
            problems.add(invalid(what + " has sequence " + c.getSequence() + " (must be >= 1)"));
        }
        PolicySnapshot pinned = null;
        long v = c.getPinnedVersion();
        if (v == 0) {
            if (c.getPinnedSnapshot() != null) {
                problems.add(invalid(what + " carries a pinned snapshot but pinned version 0 (= no pin)"));
            }
        } else if (!PolicyVersions.inRange(v)) {
            problems.add(invalid(what + " pins version " + v + ", outside [1, " + PolicyVersions.MAX_VERSION + "]"));
        } else if (c.getPinnedSnapshot() == null) {
            problems.add(invalid(what + " pins v" + v + " without carrying its snapshot"));
        } else {
            ByteBuffer b = c.getPinnedSnapshot();
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            DecodeResult<PolicySnapshot> d = SNAPSHOTS.decode(bytes);
            if (!d.isOk()) {
                problems.add(invalid(what + " carries an undecodable pinned snapshot: " + d.failure()));
            } else if (!d.value().getModelId().equals(c.getModelId()) || d.value().getVersion() != v) {
                problems.add(invalid(what + " pins v" + v + " of " + c.getModelId() + " but carries v"
                        + d.value().getVersion() + " of " + d.value().getModelId()));
            } else {
                pinned = d.value();
                problems.addAll(expected == null ? SnapshotValidator.validate(pinned)
                        : SnapshotValidator.validate(pinned, expected, 0));
                if (verifyKey != null) {
                    problems.addAll(PolicySignatures.verify(pinned, verifyKey));
                }
            }
        }
        if (verifyKey != null) {
            problems.addAll(verify(c, verifyKey));
        }
        return new Checked(c, problems.isEmpty() ? pinned : null, List.copyOf(problems));
    }

    private static SnapshotProblem invalid(String detail) {
        return new SnapshotProblem(Kind.CONTROL_INVALID, detail);
    }

    private static String describe(PolicyControl c) {
        return "control record #" + c.getSequence() + " of " + c.getModelId();
    }

    /**
     * A control record after {@link #check}.
     *
     * @param control the record
     * @param pinned its decoded pinned snapshot when the record is valid and pins one, else null
     * @param problems empty when the record may be applied
     */
    public record Checked(PolicyControl control, PolicySnapshot pinned, List<SnapshotProblem> problems) {

        /** True when the record may be applied. */
        public boolean ok() {
            return problems.isEmpty();
        }
    }
}
