package io.grade.serving;

import io.grade.model.policy.PolicyControls;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.SnapshotExpectations;
import io.grade.model.policy.SnapshotProblem;
import io.grade.model.policy.SnapshotValidator;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the policy serving uses and swaps it atomically when a valid, newer snapshot arrives;
 * anything else keeps the last good policy and is counted (rejections by {@link
 * SnapshotProblem.Kind}). Validation is {@link SnapshotValidator#validate(PolicySnapshot,
 * SnapshotExpectations, long)} against the expected tasks, feature dimension, fusion, betas and
 * version-jump bound, the same check the job's warm start makes, and, when a public key is
 * configured, the snapshot's Ed25519 signature. Thread-safe: readers never block.
 *
 * <p>Control records ({@link #offerControl}) change what is served without touching the newest
 * version: a pin serves the pinned snapshot (carried in the record) instead of the newest, the kill
 * switch serves the fallback; newer snapshots keep being validated and accepted as the newest, and
 * are served once the pin is lifted. A control record is checked like a snapshot ({@link
 * PolicyControls#check}: its fields, the pinned snapshot, and with a key both signatures); a bad one
 * is rejected, counted, and the control state held is kept.
 */
public final class PolicyHolder {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyHolder.class);

    private final String modelId;
    private final SnapshotExpectations expected;
    private final Clock clock;
    /** Verifies each snapshot's Ed25519 signature; null = signatures not required. */
    private final PublicKey verifyKey;
    private final ServingPolicy fallback;
    /** What is served: the fallback under the kill switch, else the pinned policy, else {@link #latest}. */
    private final AtomicReference<ServingPolicy> current;
    /** Newest valid snapshot accepted (the fallback before the first); stale and jump checks refer to it. */
    private volatile ServingPolicy latest;
    /** Pinned policy, null when not pinned. */
    private volatile ServingPolicy pinned;
    private volatile boolean killSwitch;
    private volatile long controlSequence;
    private final AtomicLong controlsAccepted = new AtomicLong();
    private final AtomicLong controlsRejected = new AtomicLong();
    private final AtomicLong controlsStale = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejectedInvalid = new AtomicLong();
    private final AtomicLong rejectedStale = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final Map<SnapshotProblem.Kind, AtomicLong> rejectionsByKind = new EnumMap<>(SnapshotProblem.Kind.class);
    private volatile Instant lastAcceptedAt;

    /**
     * Expects what {@code fallback} serves (its tasks, feature dimension, fusion and betas) and the
     * default version-jump bound.
     *
     * @param fallback served until the first valid snapshot (usually static weights, version 0)
     */
    public PolicyHolder(ServingPolicy fallback) {
        this(fallback, expectationsOf(fallback), Clock.systemUTC());
    }

    /**
     * @param fallback served until the first valid snapshot
     * @param expected what every snapshot must agree with
     * @param clock wall clock for {@link #lastAcceptedAt()}
     * @throws IllegalArgumentException when the fallback itself does not meet {@code expected}
     */
    public PolicyHolder(ServingPolicy fallback, SnapshotExpectations expected, Clock clock) {
        this(fallback, expected, clock, null);
    }

    /**
     * As {@link #PolicyHolder(ServingPolicy, SnapshotExpectations, Clock)}, also requiring every
     * snapshot to carry a valid Ed25519 signature ({@link PolicySignatures}) by the holder of the
     * private key of {@code verifyKey}: unsigned and wrongly signed snapshots are rejected as
     * SIGNATURE_MISSING / SIGNATURE_INVALID.
     *
     * @param verifyKey the job's public key, or null to accept unsigned snapshots
     * @throws IllegalArgumentException also when {@code verifyKey} is not an Ed25519 public key
     */
    public PolicyHolder(ServingPolicy fallback, SnapshotExpectations expected, Clock clock, PublicKey verifyKey) {
        this.verifyKey = verifyKey == null ? null : PolicySignatures.requireEd25519(verifyKey);
        this.modelId = fallback.modelId();
        this.expected = expected;
        this.clock = clock;
        this.fallback = fallback;
        this.current = new AtomicReference<>(fallback);
        this.latest = fallback;
        for (SnapshotProblem.Kind k : SnapshotProblem.Kind.values()) {
            rejectionsByKind.put(k, new AtomicLong());
        }
        checkFallback(fallback, expected);
    }

    /** Expectations read off a fallback policy: its tasks, feature dimension, fusion and betas. */
    public static SnapshotExpectations expectationsOf(ServingPolicy fallback) {
        return SnapshotExpectations.of(fallback.taskNames(), fallback.featureDim(), fallback.fusion(), fallback.betas());
    }

    private static void checkFallback(ServingPolicy f, SnapshotExpectations e) {
        SnapshotExpectations own = expectationsOf(f).withMaxVersionJump(e.maxVersionJump());
        if (!own.equals(e)) {
            throw new IllegalArgumentException("the fallback policy of model " + f.modelId() + " serves " + own
                    + " but the client expects " + e + ": give the fallback the tasks, feature dimension, fusion and "
                    + "betas the job is configured with");
        }
    }

    /** The policy to serve now. */
    public ServingPolicy current() {
        return current.get();
    }

    /** True when snapshots must carry a valid signature. */
    public boolean verifiesSignatures() {
        return verifyKey != null;
    }

    /** What snapshots must agree with. */
    public SnapshotExpectations expectations() {
        return expected;
    }

    /** Validates and, if valid and newer, swaps in the snapshot. */
    public synchronized SnapshotOutcome offer(PolicySnapshot snapshot) {
        if (!modelId.equals(snapshot.getModelId())) {
            ignored.incrementAndGet();
            return new SnapshotOutcome(SnapshotOutcome.Status.IGNORED_OTHER_MODEL, snapshot.getVersion(), List.of());
        }
        long held = latest.version();
        List<SnapshotProblem> problems = SnapshotValidator.validate(snapshot, expected, held);
        if (verifyKey != null) {
            problems = new ArrayList<>(problems);
            problems.addAll(PolicySignatures.verify(snapshot, verifyKey));
        }
        if (!problems.isEmpty()) {
            rejectedInvalid.incrementAndGet();
            countReasons(problems);
            LOG.warn("rejected policy {} v{} (holding v{}): {}", modelId, snapshot.getVersion(), held, problems);
            return new SnapshotOutcome(SnapshotOutcome.Status.REJECTED_INVALID, snapshot.getVersion(), problems);
        }
        if (snapshot.getVersion() <= held) {
            rejectedStale.incrementAndGet();
            LOG.debug("ignored policy {} v{}: holding v{}", modelId, snapshot.getVersion(), held);
            return new SnapshotOutcome(SnapshotOutcome.Status.REJECTED_STALE, snapshot.getVersion(), List.of());
        }
        latest = ServingPolicy.fromSnapshot(snapshot);
        accepted.incrementAndGet();
        lastAcceptedAt = clock.instant();
        ServingPolicy served = reselect();
        if (served == latest) {
            LOG.info("serving policy {} v{} (was v{})", modelId, snapshot.getVersion(), held);
        } else {
            LOG.info("accepted policy {} v{} as the newest; serving {} ({})", modelId, snapshot.getVersion(),
                    served.version(), killSwitch ? "kill switch on" : "pinned");
        }
        return new SnapshotOutcome(SnapshotOutcome.Status.ACCEPTED, snapshot.getVersion(), List.of());
    }

    /**
     * Checks and, if valid and newer than the control state held (by sequence), applies a control
     * record: the outcome's {@code version} is the record's sequence.
     */
    public synchronized SnapshotOutcome offerControl(PolicyControl control) {
        if (!modelId.equals(control.getModelId())) {
            ignored.incrementAndGet();
            return new SnapshotOutcome(SnapshotOutcome.Status.IGNORED_OTHER_MODEL, control.getSequence(), List.of());
        }
        PolicyControls.Checked c = PolicyControls.check(control, modelId, expected, verifyKey);
        if (!c.ok()) {
            controlsRejected.incrementAndGet();
            countReasons(c.problems());
            LOG.warn("rejected control record #{} of {} (holding #{}): {}", control.getSequence(), modelId,
                    controlSequence, c.problems());
            return new SnapshotOutcome(SnapshotOutcome.Status.REJECTED_INVALID, control.getSequence(), c.problems());
        }
        if (control.getSequence() <= controlSequence) {
            controlsStale.incrementAndGet();
            return new SnapshotOutcome(SnapshotOutcome.Status.REJECTED_STALE, control.getSequence(), List.of());
        }
        controlSequence = control.getSequence();
        killSwitch = control.getKillSwitch();
        pinned = c.pinned() == null ? null : ServingPolicy.fromSnapshot(c.pinned());
        if (pinned != null && pinned.version() > latest.version()) {
            latest = pinned; // a pin above the newest seen: never fall back below it on unpin
        }
        controlsAccepted.incrementAndGet();
        ServingPolicy served = reselect();
        LOG.warn("control record #{} of {} by {}: kill switch {}, {}; serving v{}", control.getSequence(), modelId,
                control.getIssuedBy(), killSwitch ? "on" : "off",
                pinned == null ? "not pinned" : "pinned to v" + pinned.version(), served.version());
        return new SnapshotOutcome(SnapshotOutcome.Status.ACCEPTED, control.getSequence(), List.of());
    }

    private ServingPolicy reselect() {
        ServingPolicy served = killSwitch ? fallback : pinned != null ? pinned : latest;
        current.set(served);
        return served;
    }

    private void countReasons(List<SnapshotProblem> problems) {
        Set<SnapshotProblem.Kind> kinds = new LinkedHashSet<>();
        problems.forEach(p -> kinds.add(p.kind()));
        kinds.forEach(k -> rejectionsByKind.get(k).incrementAndGet());
    }

    /** Newest valid version accepted (0 before the first); served unless pinned or killed. */
    public long latestVersion() {
        return latest.version();
    }

    /** Pinned version, 0 when not pinned. */
    public long pinnedVersion() {
        ServingPolicy p = pinned;
        return p == null ? 0 : p.version();
    }

    /** True while a control record has the kill switch on: the fallback is served. */
    public boolean killSwitch() {
        return killSwitch;
    }

    /** Sequence of the control record applied last (0 = none). */
    public long controlSequence() {
        return controlSequence;
    }

    /** Control records applied. */
    public long controlsAcceptedCount() {
        return controlsAccepted.get();
    }

    /** Control records rejected by their checks (reasons in {@link #rejectionsByReason()}). */
    public long controlsRejectedCount() {
        return controlsRejected.get();
    }

    /** Valid control records not above the sequence held (replays). */
    public long controlsStaleCount() {
        return controlsStale.get();
    }

    public long acceptedCount() {
        return accepted.get();
    }

    /** Snapshots rejected by validation (each counted once, whatever the number of its problems). */
    public long rejectedInvalidCount() {
        return rejectedInvalid.get();
    }

    public long rejectedStaleCount() {
        return rejectedStale.get();
    }

    public long ignoredCount() {
        return ignored.get();
    }

    /**
     * Rejected snapshots and control records per reason: a snapshot with several problems of one kind counts once for
     * that kind, and once for each other kind it has. Only kinds seen so far are present.
     */
    public Map<SnapshotProblem.Kind, Long> rejectionsByReason() {
        Map<SnapshotProblem.Kind, Long> out = new EnumMap<>(SnapshotProblem.Kind.class);
        rejectionsByKind.forEach((k, n) -> {
            long v = n.get();
            if (v > 0) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Wall-clock time the served snapshot was accepted; null while the fallback is served. */
    public Instant lastAcceptedAt() {
        return lastAcceptedAt;
    }
}
