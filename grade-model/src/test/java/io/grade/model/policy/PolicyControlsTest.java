package io.grade.model.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.model.policy.SnapshotProblem.Kind;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.schemas.codec.SchemaHistory;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class PolicyControlsTest {

    private static final PolicyArchitecture ARCH = new PolicyArchitecture(4, 2, 3, 3, 3, 1e-3);
    private static final KeyPair KEYS = PolicySignatures.generateKeyPair();
    private static final SnapshotExpectations EXPECTED = SnapshotExpectations.of(List.of("ctr", "cvr", "opm"), 4,
            FusionKind.LOG_LINEAR, new double[] {1e-4, 1e-4, 1e-4});
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    private static PolicySnapshot snapshot(boolean signed) {
        PolicySnapshot s = PolicySnapshots.toSnapshot(ARCH, PolicyTestData.random(ARCH, 8, 1.0),
                PolicyTestData.metadata(3));
        return signed ? PolicySignatures.sign(s, KEYS.getPrivate()) : s;
    }

    private static List<Kind> kinds(PolicyControls.Checked c) {
        return c.problems().stream().map(SnapshotProblem::kind).toList();
    }

    @Test
    void controlRecordsShouldLiveUnderTheirOwnKeySoCompactionKeepsTheNewestSnapshotBesideThem() {
        assertThat(PolicyControls.key("model-a")).isEqualTo("model-a#control").isNotEqualTo("model-a");
    }

    @Test
    void aPinShouldRoundTripThroughTheCodecWithItsSnapshot() {
        PolicyControl c = PolicyControls.sign(PolicyControls.of("model-a", 3, NOW, "ops@host", false, snapshot(true)),
                KEYS.getPrivate());
        EventCodec<PolicyControl> codec = EventCodec.policyControls();
        DecodeResult<PolicyControl> d = codec.decode(codec.encode(c));

        assertThat(d.isOk()).isTrue();
        PolicyControls.Checked checked = PolicyControls.check(d.value(), "model-a", EXPECTED, KEYS.getPublic());
        assertThat(checked.problems()).isEmpty();
        assertThat(checked.pinned().getVersion()).isEqualTo(7);
        assertThat(checked.pinned().getParameters()).isEqualTo(snapshot(true).getParameters());
        assertThat(d.value().getPinnedVersion()).isEqualTo(7);
        assertThat(d.value().getKillSwitch()).isFalse();
    }

    @Test
    void aControlRecordShouldNotDecodeAsASnapshotNorTheOtherWayRound() {
        byte[] control = EventCodec.policyControls().encode(PolicyControls.of("model-a", 1, NOW, "ops", true, null));
        byte[] snap = EventCodec.policySnapshots().encode(snapshot(false));

        assertThat(EventCodec.policySnapshots().decode(control).failure().reason().name()).isEqualTo("UNKNOWN_SCHEMA");
        assertThat(EventCodec.policyControls().decode(snap).failure().reason().name()).isEqualTo("UNKNOWN_SCHEMA");
    }

    @Test
    void withAVerifyKeyAnUnsignedOrAlteredControlRecordShouldBeRejected() {
        PolicyControl unsigned = PolicyControls.of("model-a", 2, NOW, "ops", true, null);
        PolicyControl signed = PolicyControls.sign(unsigned, KEYS.getPrivate());
        PolicyControl altered = PolicyControl.newBuilder(signed).setKillSwitch(false).build();
        PolicyControl otherKey = PolicyControls.sign(unsigned, PolicySignatures.generateKeyPair().getPrivate());

        assertThat(kinds(PolicyControls.check(unsigned, "model-a", EXPECTED, KEYS.getPublic())))
                .containsExactly(Kind.SIGNATURE_MISSING);
        assertThat(kinds(PolicyControls.check(altered, "model-a", EXPECTED, KEYS.getPublic())))
                .containsExactly(Kind.SIGNATURE_INVALID);
        assertThat(kinds(PolicyControls.check(otherKey, "model-a", EXPECTED, KEYS.getPublic())))
                .containsExactly(Kind.SIGNATURE_INVALID);
        assertThat(PolicyControls.check(signed, "model-a", EXPECTED, KEYS.getPublic()).ok()).isTrue();
        assertThat(PolicyControls.check(unsigned, "model-a", EXPECTED, null).ok()).as("no key: not required").isTrue();
    }

    @Test
    void aSignedControlRecordPinningAnUnsignedSnapshotShouldBeRejectedWhenSignaturesAreRequired() {
        PolicyControl c = PolicyControls.sign(PolicyControls.of("model-a", 2, NOW, "ops", false, snapshot(false)),
                KEYS.getPrivate());

        assertThat(kinds(PolicyControls.check(c, "model-a", EXPECTED, KEYS.getPublic())))
                .containsExactly(Kind.SIGNATURE_MISSING);
    }

    @Test
    void inconsistentControlRecordsShouldBeRejectedAsControlInvalid() {
        PolicyControl pin = PolicyControls.of("model-a", 2, NOW, "ops", false, snapshot(false));
        PolicyControl wrongVersion = PolicyControl.newBuilder(pin).setPinnedVersion(8).build();
        PolicyControl noSnapshot = PolicyControl.newBuilder(pin).setPinnedSnapshot(null).build();
        PolicyControl garbage = PolicyControl.newBuilder(pin).setPinnedSnapshot(ByteBuffer.wrap(new byte[] {1, 2}))
                .build();
        PolicyControl zeroSequence = PolicyControl.newBuilder(pin).setSequence(0).build();
        PolicyControl otherModel = PolicyControl.newBuilder(pin).setModelId("model-b").build();
        PolicyControl snapshotWithoutPin = PolicyControl.newBuilder(pin).setPinnedVersion(0).build();

        for (PolicyControl bad : List.of(wrongVersion, noSnapshot, garbage, zeroSequence, otherModel,
                snapshotWithoutPin)) {
            PolicyControls.Checked c = PolicyControls.check(bad, "model-a", EXPECTED, null);
            assertThat(kinds(c)).as("%s", bad).contains(Kind.CONTROL_INVALID);
            assertThat(c.pinned()).isNull();
        }
    }

    @Test
    void aPinnedSnapshotThatServingWouldRejectShouldMakeThePinInvalid() {
        PolicySnapshot s = snapshot(false);
        s.setFeatureDim(5);
        PolicyControl c = PolicyControls.of("model-a", 2, NOW, "ops", false, s);

        assertThat(kinds(PolicyControls.check(c, "model-a", EXPECTED, null))).contains(Kind.FEATURE_DIM_MISMATCH);
    }

    @Test
    void theSignedFieldsShouldBeEveryFieldOfTheCurrentSchemaButTheSignature() {
        Schema v1 = SchemaHistory.released("PolicyControl").get(0);
        List<String> current = PolicyControl.getClassSchema().getFields().stream().map(Schema.Field::name).toList();
        assertThat(v1.getFields().stream().map(Schema.Field::name).toList()).isEqualTo(current);
        assertThat(current.get(current.size() - 1)).isEqualTo("signature");
        // the signature field is part of v1, but the signed content always encodes it as null
        PolicyControl c = PolicyControls.of("model-a", 2, NOW, "ops", true, null);
        assertThat(PolicyControls.signedContent(PolicyControls.sign(c, KEYS.getPrivate())))
                .isEqualTo(PolicyControls.signedContent(c));
    }
}
