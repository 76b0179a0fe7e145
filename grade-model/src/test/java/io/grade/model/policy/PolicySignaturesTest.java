package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.EventCodec;
import io.grade.schemas.codec.SchemaHistory;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class PolicySignaturesTest {

    private static final PolicyArchitecture ARCH = new PolicyArchitecture(4, 2, 3, 3, 3, 1e-3);
    private static final KeyPair KEYS = PolicySignatures.generateKeyPair();

    private static PolicySnapshot signed() {
        PolicySnapshot s = PolicySnapshots.toSnapshot(ARCH, PolicyTestData.random(ARCH, 8, 1.0),
                PolicyTestData.metadata(3));
        return PolicySignatures.sign(s, KEYS.getPrivate());
    }

    private static List<Kind> kinds(List<SnapshotProblem> problems) {
        return problems.stream().map(SnapshotProblem::kind).toList();
    }

    /** One edit per signed field; the test below checks this covers every field but the signature. */
    private static Map<String, Consumer<PolicySnapshot>> edits() {
        Map<String, Consumer<PolicySnapshot>> e = new LinkedHashMap<>();
        e.put("modelId", s -> s.setModelId("model-b"));
        e.put("version", s -> s.setVersion(s.getVersion() + 1));
        e.put("createdAt", s -> s.setCreatedAt(s.getCreatedAt().plusMillis(1)));
        e.put("trainedThrough", s -> s.setTrainedThrough(Instant.EPOCH));
        e.put("taskNames", s -> s.setTaskNames(List.of("cvr", "ctr", "opm")));
        e.put("featureDim", s -> s.setFeatureDim(5));
        e.put("fusion", s -> s.setFusion(FusionKind.LINEAR));
        e.put("betas", s -> s.setBetas(List.of(1e-4, 1e-4, 2e-4)));
        e.put("experts", s -> s.setExperts(3));
        e.put("hidden", s -> s.setHidden(4));
        e.put("tower", s -> s.setTower(4));
        e.put("epsilonFloor", s -> s.setEpsilonFloor(2e-3));
        e.put("parameters", s -> {
            List<Double> v = new ArrayList<>(s.getParameters().get(0).getValues());
            v.set(0, Math.nextUp(v.get(0)));
            s.getParameters().get(0).setValues(v);
            s.setChecksum(PolicyChecksum.compute(s.getParameters())); // a valid recomputed checksum
        });
        e.put("alphaHat", s -> s.setAlphaHat(s.getAlphaHat() * 2));
        e.put("alphaMin", s -> s.setAlphaMin(0.02));
        e.put("stats", s -> s.getStats().setUpdates(s.getStats().getUpdates() + 1));
        e.put("checksum", s -> s.setChecksum(s.getChecksum() ^ 1));
        return e;
    }

    @Test
    void shouldAcceptAGoodSignatureAlsoAfterAnEncodeDecodeRoundTrip() {
        PolicySnapshot s = signed();
        assertThat(s.getSignature().remaining()).isEqualTo(PolicySignatures.SIGNATURE_BYTES);
        assertThat(PolicySignatures.verify(s, KEYS.getPublic())).isEmpty();
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        PolicySnapshot decoded = codec.decode(codec.encode(s)).value();
        assertThat(PolicySignatures.verify(decoded, KEYS.getPublic())).isEmpty();
        assertThat(SnapshotValidator.validate(decoded)).isEmpty();
    }

    @Test
    void shouldCoverEveryFieldButTheSignature() {
        List<String> fields = PolicySnapshot.getClassSchema().getFields().stream().map(Schema.Field::name)
                .filter(n -> !n.equals("signature")).toList();
        assertThat(edits().keySet()).containsExactlyElementsOf(fields);
        // the signed content is encoded under released v1, by position: its fields must be the same, in order
        assertThat(SchemaHistory.released("PolicySnapshot").get(0).getFields().stream().map(Schema.Field::name))
                .containsExactlyElementsOf(fields);
    }

    @Test
    void shouldRejectAnyChangedField() {
        edits().forEach((field, edit) -> {
            PolicySnapshot s = PolicySnapshot.newBuilder(signed()).build();
            edit.accept(s);
            assertThat(kinds(PolicySignatures.verify(s, KEYS.getPublic()))).as(field)
                    .containsExactly(Kind.SIGNATURE_INVALID);
        });
    }

    @Test
    void shouldRejectAnotherKeysSignature() {
        KeyPair other = PolicySignatures.generateKeyPair();
        PolicySnapshot s = signed();
        assertThat(kinds(PolicySignatures.verify(s, other.getPublic()))).containsExactly(Kind.SIGNATURE_INVALID);
        PolicySnapshot forged = PolicySignatures.sign(s, other.getPrivate());
        assertThat(kinds(PolicySignatures.verify(forged, KEYS.getPublic()))).containsExactly(Kind.SIGNATURE_INVALID);
    }

    @Test
    void shouldRejectUnsignedAndMalformedSignatures() {
        PolicySnapshot s = PolicySnapshot.newBuilder(signed()).setSignature(null).build();
        assertThat(kinds(PolicySignatures.verify(s, KEYS.getPublic()))).containsExactly(Kind.SIGNATURE_MISSING);
        s.setSignature(ByteBuffer.wrap(new byte[3]));
        assertThat(PolicySignatures.verify(s, KEYS.getPublic())).singleElement()
                .satisfies(p -> assertThat(p.kind()).isEqualTo(Kind.SIGNATURE_INVALID))
                .satisfies(p -> assertThat(p.detail()).contains("3-byte"));
        s.setSignature(ByteBuffer.wrap(new byte[PolicySignatures.SIGNATURE_BYTES]));
        assertThat(kinds(PolicySignatures.verify(s, KEYS.getPublic()))).containsExactly(Kind.SIGNATURE_INVALID);
    }

    @Test
    void shouldSignTheSameContentWhateverTheSignatureField() {
        PolicySnapshot s = signed();
        PolicySnapshot unsigned = PolicySnapshot.newBuilder(s).setSignature(null).build();
        assertThat(PolicySignatures.signedContent(s)).isEqualTo(PolicySignatures.signedContent(unsigned));
        assertThat(new String(PolicySignatures.signedContent(s), 0, PolicySignatures.CONTEXT.length(),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(PolicySignatures.CONTEXT);
    }

    @Test
    void shouldStillDecodeReleasedV1SnapshotsAsUnsigned() {
        Schema v1 = SchemaHistory.released("PolicySnapshot").get(0);
        PolicySnapshot s = PolicySnapshot.newBuilder(signed()).setSignature(null).build();
        byte[] v1Bytes = java.util.Arrays.copyOfRange(PolicySignatures.signedContent(s),
                PolicySignatures.CONTEXT.length() + 1, PolicySignatures.signedContent(s).length);
        var decoded = EventCodec.policySnapshots().decode(v1Bytes);
        assertThat(decoded.isOk()).isTrue();
        assertThat(decoded.value().getSignature()).isNull();
        assertThat(decoded.value()).isEqualTo(s);
        assertThat(v1.getFields()).hasSize(PolicySnapshot.getClassSchema().getFields().size() - 1);
    }
}
