package io.grade.model.policy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Reading and writing the Ed25519 keys of {@link PolicySignatures}. One format, the one {@code
 * openssl genpkey -algorithm ed25519} writes: the private key as PKCS#8 ({@code -----BEGIN PRIVATE
 * KEY-----}), the public key as X.509 SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----}),
 * each PEM (or the same structure as raw DER, or its base64 without the PEM lines, which suits an
 * environment variable). Encrypted private keys are not supported. Messages name the source and
 * the problem, never any key material.
 */
public final class PolicyKeys {

    /** Larger inputs are not a key (a PEM Ed25519 private key is 119 bytes). */
    static final int MAX_KEY_BYTES = 16 * 1024;

    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";

    private PolicyKeys() {}

    /** The Ed25519 private key in {@code content}; {@code source} names where it came from, for messages. */
    public static PrivateKey parsePrivateKey(byte[] content, String source) {
        byte[] der = der(content, PRIVATE_LABEL, source);
        try {
            return KeyFactory.getInstance(PolicySignatures.ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw notEd25519(source, "a PKCS#8 " + PolicySignatures.ALGORITHM + " private key");
        }
    }

    /** The Ed25519 public key in {@code content}; {@code source} names where it came from, for messages. */
    public static PublicKey parsePublicKey(byte[] content, String source) {
        byte[] der = der(content, PUBLIC_LABEL, source);
        try {
            return KeyFactory.getInstance(PolicySignatures.ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw notEd25519(source, "an X.509 SubjectPublicKeyInfo " + PolicySignatures.ALGORITHM + " public key");
        }
    }

    /** Reads a private key file (PEM or DER, see the class comment). */
    public static PrivateKey readPrivateKey(Path file) {
        return parsePrivateKey(read(file), "key file " + file);
    }

    /** Reads a public key file (PEM or DER, see the class comment). */
    public static PublicKey readPublicKey(Path file) {
        return parsePublicKey(read(file), "key file " + file);
    }

    /** PEM text of a private (PKCS#8) or public (X.509) key. */
    public static String pem(Key key) {
        String label = key instanceof PrivateKey ? PRIVATE_LABEL : PUBLIC_LABEL;
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END " + label + "-----\n";
    }

    /**
     * Writes {@code key} as PEM to a new file (an existing file is never overwritten); a private key
     * file is created readable and writable by its owner only where the file system has POSIX
     * permissions.
     *
     * @throws IOException also when the file exists ({@link java.nio.file.FileAlreadyExistsException})
     */
    public static void write(Path file, Key key) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        boolean posix = Files.getFileStore(parent == null ? file.toAbsolutePath() : parent)
                .supportsFileAttributeView("posix");
        FileAttribute<?>[] attrs = posix && key instanceof PrivateKey
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        Files.createFile(file, attrs); // FileAlreadyExistsException: an existing key is never replaced
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(pem(key).getBytes(StandardCharsets.US_ASCII));
        }
    }

    static byte[] read(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_KEY_BYTES) {
                throw new IllegalArgumentException("key file " + file + " has " + size + " bytes: not a key");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read key file " + file + ": " + e, e);
        }
    }

    /** DER bytes from PEM (with the expected label), base64 text or raw DER. */
    private static byte[] der(byte[] content, String label, String source) {
        if (content == null || content.length == 0) {
            throw new IllegalArgumentException(source + " is empty");
        }
        if (content.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException(source + " has " + content.length + " bytes: not a key");
        }
        if (content[0] == 0x30) {
            return content; // a DER SEQUENCE
        }
        String text = new String(content, StandardCharsets.US_ASCII).trim();
        int begin = text.indexOf("-----BEGIN ");
        if (begin >= 0) {
            int labelEnd = text.indexOf("-----", begin + 11);
            String found = labelEnd < 0 ? "?" : text.substring(begin + 11, labelEnd);
            if (!found.equals(label)) {
                throw new IllegalArgumentException(source + " holds a PEM '" + found + "' block, expected '" + label
                        + "'" + (found.startsWith("ENCRYPTED") ? " (decrypt it first: openssl pkey -in IN -out OUT)" : ""));
            }
            int end = text.indexOf("-----END " + label + "-----", labelEnd);
            if (end < 0) {
                throw new IllegalArgumentException(source + " has no '-----END " + label + "-----' line");
            }
            text = text.substring(labelEnd + 5, end);
        }
        try {
            return Base64.getDecoder().decode(text.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is neither PEM, base64 nor DER");
        }
    }

    private static IllegalArgumentException notEd25519(String source, String expected) {
        return new IllegalArgumentException(source + " does not hold " + expected
                + " (make one with: grade keys generate, or openssl genpkey -algorithm ed25519)");
    }
}
