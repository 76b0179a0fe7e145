package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyKeysTest {

    private static final KeyPair KEYS = PolicySignatures.generateKeyPair();

    @TempDir
    Path dir;

    @Test
    void shouldRoundTripPemFilesWithAnOwnerOnlyPrivateKey() throws Exception {
        Path priv = dir.resolve("keys/policy.key");
        Path pub = dir.resolve("keys/policy.pub");
        PolicyKeys.write(priv, KEYS.getPrivate());
        PolicyKeys.write(pub, KEYS.getPublic());
        assertThat(Files.readString(priv)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(pub)).startsWith("-----BEGIN PUBLIC KEY-----\n");
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(priv))).isEqualTo("rw-------");
        }
        assertThat(PolicyKeys.readPrivateKey(priv).getEncoded()).isEqualTo(KEYS.getPrivate().getEncoded());
        assertThat(PolicyKeys.readPublicKey(pub)).isEqualTo(KEYS.getPublic());
        assertThatThrownBy(() -> PolicyKeys.write(priv, KEYS.getPrivate())).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void shouldReadOpensslPemDerAndBase64() throws Exception {
        // written by: openssl genpkey -algorithm ed25519 (RFC 8410 test vector key)
        String openssl = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
                + "-----END PRIVATE KEY-----\n";
        assertThat(PolicyKeys.parsePrivateKey(openssl.getBytes(StandardCharsets.US_ASCII), "test").getAlgorithm())
                .isIn("EdDSA", "Ed25519");
        byte[] der = KEYS.getPublic().getEncoded();
        assertThat(PolicyKeys.parsePublicKey(der, "der")).isEqualTo(KEYS.getPublic());
        byte[] b64 = Base64.getEncoder().encode(der);
        assertThat(PolicyKeys.parsePublicKey(b64, "b64")).isEqualTo(KEYS.getPublic());
    }

    @Test
    void shouldExplainBadKeysWithoutShowingThem() throws Exception {
        byte[] pubPem = PolicyKeys.pem(KEYS.getPublic()).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> PolicyKeys.parsePrivateKey(pubPem, "key file k"))
                .hasMessage("key file k holds a PEM 'PUBLIC KEY' block, expected 'PRIVATE KEY'");
        byte[] encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> PolicyKeys.parsePrivateKey(encrypted, "k")).hasMessageContaining("decrypt it first");
        assertThatThrownBy(() -> PolicyKeys.parsePrivateKey(new byte[0], "k")).hasMessage("k is empty");
        assertThatThrownBy(() -> PolicyKeys.parsePublicKey("not a key!".getBytes(StandardCharsets.US_ASCII), "k"))
                .hasMessage("k is neither PEM, base64 nor DER");
        byte[] rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate().getEncoded();
        assertThatThrownBy(() -> PolicyKeys.parsePrivateKey(rsa, "k"))
                .hasMessageStartingWith("k does not hold a PKCS#8 Ed25519 private key");
        String privB64 = Base64.getEncoder().encodeToString(KEYS.getPrivate().getEncoded());
        assertThatThrownBy(() -> PolicyKeys.parsePublicKey(KEYS.getPrivate().getEncoded(), "k"))
                .hasMessageStartingWith("k does not hold an X.509 SubjectPublicKeyInfo Ed25519 public key")
                .message().doesNotContain(privB64);
        Path missing = dir.resolve("nope.key");
        assertThatThrownBy(() -> PolicyKeys.readPrivateKey(missing)).hasMessageStartingWith("cannot read key file " + missing);
    }

    @Test
    void shouldNameTheSource() {
        assertThat(PolicyKeySource.file("/etc/k").toString()).isEqualTo("key file /etc/k");
        assertThatThrownBy(() -> PolicyKeySource.env("GRADE_TEST_UNSET_VARIABLE_42").privateKey())
                .hasMessage("environment variable GRADE_TEST_UNSET_VARIABLE_42 is not set");
        assertThatThrownBy(() -> PolicyKeySource.env(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
