package io.grade.serving;

import io.grade.model.policy.SnapshotProblem;
import io.grade.model.policy.SnapshotValidator;
import io.grade.schemas.PolicySnapshot;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the policy serving uses and swaps it atomically when a valid, newer snapshot arrives;
 * anything else keeps the last good policy and is counted. Thread-safe: readers never block.
 */
public final class PolicyHolder {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyHolder.class);

    private final String modelId;
    private final List<String> taskNames;
    private final int featureDim;
    private final AtomicReference<ServingPolicy> current;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejectedInvalid = new AtomicLong();
    private final AtomicLong rejectedStale = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();

    /** @param fallback served until the first valid snapshot (usually static weights, version 0) */
    public PolicyHolder(ServingPolicy fallback) {
        this.modelId = fallback.modelId();
        this.taskNames = fallback.taskNames();
        this.featureDim = fallback.featureDim();
        this.current = new AtomicReference<>(fallback);
    }

    /** The policy to serve now. */
    public ServingPolicy current() {
        return current.get();
    }

    /** Validates and, if valid and newer, swaps in the snapshot. */
    public synchronized SnapshotOutcome offer(PolicySnapshot snapshot) {
        if (!modelId.equals(snapshot.getModelId())) {
            ignored.incrementAndGet();
            return new SnapshotOutcome(SnapshotOutcome.Status.IGNORED_OTHER_MODEL, snapshot.getVersion(), List.of());
        }
        List<SnapshotProblem> problems = SnapshotValidator.validate(snapshot, taskNames, featureDim);
        if (!problems.isEmpty()) {
            rejectedInvalid.incrementAndGet();
            LOG.warn("rejected policy {} v{}: {}", modelId, snapshot.getVersion(), problems);
            return new SnapshotOutcome(SnapshotOutcome.Status.REJECTED_INVALID, snapshot.getVersion(), problems);
        }
        long held = current.get().version();
        if (snapshot.getVersion() <= held) {
            rejectedStale.incrementAndGet();
            LOG.debug("ignored policy {} v{}: holding v{}", modelId, snapshot.getVersion(), held);
            return new SnapshotOutcome(SnapshotOutcome.Status.REJECTED_STALE, snapshot.getVersion(), List.of());
        }
        current.set(ServingPolicy.fromSnapshot(snapshot));
        accepted.incrementAndGet();
        LOG.info("serving policy {} v{} (was v{})", modelId, snapshot.getVersion(), held);
        return new SnapshotOutcome(SnapshotOutcome.Status.ACCEPTED, snapshot.getVersion(), List.of());
    }

    public long acceptedCount() {
        return accepted.get();
    }

    public long rejectedInvalidCount() {
        return rejectedInvalid.get();
    }

    public long rejectedStaleCount() {
        return rejectedStale.get();
    }

    public long ignoredCount() {
        return ignored.get();
    }
}
