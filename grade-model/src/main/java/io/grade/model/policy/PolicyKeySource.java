package io.grade.model.policy;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Objects;

/**
 * Where a policy key is read from: a file, or an environment variable holding the PEM text or the
 * base64 of the DER ({@link PolicyKeys}). Only the location is kept, never the key, so the source
 * can travel in a job graph and show up in logs and configuration dumps; the key is read where it
 * is used.
 *
 * @param type file or environment variable
 * @param location the file path or the variable name
 */
public record PolicyKeySource(Type type, String location) implements Serializable {

    /** Kinds of source. */
    public enum Type {
        FILE,
        ENV
    }

    public PolicyKeySource {
        Objects.requireNonNull(type, "type");
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("a key " + (type == Type.FILE ? "file path" : "environment variable name")
                    + " must not be empty");
        }
    }

    public static PolicyKeySource file(String path) {
        return new PolicyKeySource(Type.FILE, path);
    }

    public static PolicyKeySource env(String variable) {
        return new PolicyKeySource(Type.ENV, variable);
    }

    /** Reads the Ed25519 private key. @throws IllegalArgumentException naming the source */
    public PrivateKey privateKey() {
        return type == Type.FILE ? PolicyKeys.readPrivateKey(Path.of(location))
                : PolicyKeys.parsePrivateKey(env(), toString());
    }

    /** Reads the Ed25519 public key. @throws IllegalArgumentException naming the source */
    public PublicKey publicKey() {
        return type == Type.FILE ? PolicyKeys.readPublicKey(Path.of(location))
                : PolicyKeys.parsePublicKey(env(), toString());
    }

    private byte[] env() {
        String v = System.getenv(location);
        if (v == null) {
            throw new IllegalArgumentException(this + " is not set");
        }
        return v.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return (type == Type.FILE ? "key file " : "environment variable ") + location;
    }
}
