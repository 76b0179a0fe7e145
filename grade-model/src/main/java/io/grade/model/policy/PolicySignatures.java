package io.grade.model.policy;

import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.SchemaHistory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Ed25519 signatures of policy snapshots ({@code PolicySnapshot.signature}). The job signs with a
 * private key; serving verifies with the public key only, so a serving host cannot forge policies.
 *
 * <p>Signed content: the UTF-8 context {@value #CONTEXT} followed by a NUL byte, then the Avro
 * single-object encoding (header with the schema fingerprint, then the body) of the snapshot under
 * the frozen released schema {@code PolicySnapshot.v1}, which holds every field except {@code
 * signature}: model id, version, times, tasks, feature dimension, fusion, betas, architecture,
 * parameters, alphaHat, alphaMin, stats and checksum. Using the frozen schema rather than the
 * reader's current one keeps the content byte-identical however many fields later schema versions
 * add (and a later field is then not covered until a new context version is defined). Thread-safe.
 */
public final class PolicySignatures {

    /** JDK algorithm name (RFC 8032 pure Ed25519), of both keys and signatures. */
    public static final String ALGORITHM = "Ed25519";

    /** Domain-separation context of the signed content. */
    public static final String CONTEXT = "GRADE-PolicySnapshot-Ed25519-v1";

    /** Length of an Ed25519 signature. */
    public static final int SIGNATURE_BYTES = 64;

    private static final byte[] CONTEXT_BYTES = (CONTEXT + '\0').getBytes(StandardCharsets.UTF_8);
    private static final Schema SIGNED_SCHEMA = SchemaHistory.released("PolicySnapshot").get(0);
    /**
     * Generic writer (by position, no generated custom coders, which would write the current
     * schema's fields) with the one logical type the schema uses.
     */
    private static final BinaryMessageEncoder<PolicySnapshot> ENCODER = new BinaryMessageEncoder<>(
            genericWithTimestamps(), SIGNED_SCHEMA);

    private PolicySignatures() {}

    /** A fresh Ed25519 key pair. */
    public static KeyPair generateKeyPair() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no " + ALGORITHM + " (Java 15+ is required)", e);
        }
    }

    /**
     * {@code key} if it is an Ed25519 public key.
     *
     * @throws IllegalArgumentException otherwise (another curve or algorithm would reject every snapshot)
     */
    public static PublicKey requireEd25519(PublicKey key) {
        if (!(key instanceof EdECPublicKey ed) || !ALGORITHM.equalsIgnoreCase(ed.getParams().getName())) {
            throw new IllegalArgumentException("policy verification needs an " + ALGORITHM + " public key, got "
                    + (key == null ? "null" : key.getAlgorithm() + " " + key.getFormat()));
        }
        return key;
    }

    /** The bytes a signature covers (see the class comment); the snapshot's own signature is ignored. */
    public static byte[] signedContent(PolicySnapshot s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        out.writeBytes(CONTEXT_BYTES);
        try {
            ENCODER.encode(s, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the signed content of " + s.getModelId() + " v"
                    + s.getVersion(), e);
        }
        return out.toByteArray();
    }

    /** A copy of {@code s} carrying its Ed25519 signature by {@code key}. */
    public static PolicySnapshot sign(PolicySnapshot s, PrivateKey key) {
        return PolicySnapshot.newBuilder(s)
                .setSignature(ByteBuffer.wrap(signBytes(signedContent(s), key, "policy " + s.getModelId() + " v"
                        + s.getVersion()))).build();
    }

    /** Ed25519 signature of {@code content}; {@code what} names the record in the message of a bad key. */
    static byte[] signBytes(byte[] content, PrivateKey key, String what) {
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(content);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign " + what + " with a " + key.getAlgorithm() + " key: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Empty when {@code s} carries a valid signature by the holder of {@code key}'s private key;
     * otherwise one {@link Kind#SIGNATURE_MISSING} or {@link Kind#SIGNATURE_INVALID} problem. Never
     * throws on a bad snapshot.
     */
    public static List<SnapshotProblem> verify(PolicySnapshot s, PublicKey key) {
        return verifyBytes(s.getSignature(), () -> signedContent(s), key, "snapshot v" + s.getVersion());
    }

    /**
     * Empty when {@code signature} is a valid Ed25519 signature of {@code content} by {@code key}'s
     * private key, else one SIGNATURE_MISSING / SIGNATURE_INVALID problem about {@code what}.
     */
    static List<SnapshotProblem> verifyBytes(ByteBuffer signature, java.util.function.Supplier<byte[]> content,
                                             PublicKey key, String what) {
        if (signature == null) {
            return List.of(new SnapshotProblem(Kind.SIGNATURE_MISSING, what
                    + " is unsigned, but this consumer requires an " + ALGORITHM + " signature"));
        }
        byte[] bytes = new byte[signature.remaining()];
        signature.duplicate().get(bytes);
        if (bytes.length != SIGNATURE_BYTES) {
            return List.of(invalid(what, "a " + bytes.length + "-byte signature (" + ALGORITHM + " has "
                    + SIGNATURE_BYTES + ")"));
        }
        boolean ok;
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(content.get());
            ok = verifier.verify(bytes);
        } catch (GeneralSecurityException | RuntimeException e) {
            return List.of(invalid(what, "a signature that cannot be checked (" + e.getClass().getSimpleName() + ")"));
        }
        return ok ? List.of() : List.of(invalid(what, "a signature that does not verify with the configured public key"));
    }

    static GenericData genericWithTimestamps() {
        GenericData data = new GenericData();
        data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        return data;
    }

    private static SnapshotProblem invalid(String what, String carries) {
        return new SnapshotProblem(Kind.SIGNATURE_INVALID, what + " carries " + carries);
    }
}
