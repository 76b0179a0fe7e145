package io.grade.serving;

import io.grade.model.policy.SnapshotProblem;
import java.util.List;

/** What the holder did with one received snapshot. */
public record SnapshotOutcome(Status status, long version, List<SnapshotProblem> problems) {

    /** The decision. */
    public enum Status {
        /** Valid and newer: now served. */
        ACCEPTED,
        /** Failed validation (checksum, shapes, non-finite values, tasks, feature dimension): last good kept. */
        REJECTED_INVALID,
        /** Not newer than the version held: last good kept. */
        REJECTED_STALE,
        /** Snapshot of another model id on the same topic. */
        IGNORED_OTHER_MODEL
    }
}
