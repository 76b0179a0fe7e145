package io.grade.serving;

import io.grade.model.policy.SnapshotProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A point-in-time view of a {@link PolicyClient} for a service's own monitoring (health endpoint,
 * metrics gauges, alerts). Nothing here needs a logging binding.
 *
 * @param modelId model followed
 * @param topic policy topic
 * @param running false only after {@link PolicyClient#close()} (or a JVM {@code Error} that stopped the thread)
 * @param connected the broker answered the client's last request (metadata, end offsets); false
 *     while it retries after a failure such as a broker down or a metadata timeout
 * @param warmedUp the topic was read up to where it ended when the client first reached it
 * @param servedVersion version served now (0 = the fallback)
 * @param servedCreatedAt creation time of the served snapshot (epoch for the fallback)
 * @param lastAcceptedAt when the client accepted the served snapshot; null while the fallback is served
 * @param sinceLastAccepted time since {@code lastAcceptedAt}; null while the fallback is served
 * @param accepted snapshots accepted so far
 * @param rejectedInvalid snapshots rejected by validation (each once, whatever its number of problems)
 * @param rejectionsByReason snapshots rejected by validation, per reason (see {@link PolicyHolder#rejectionsByReason()})
 * @param rejectedStale valid snapshots not newer than the one held (normal during replays)
 * @param decodeFailures records of the model that were not a decodable PolicySnapshot
 * @param failures failures of the client loop so far (each followed by a retry)
 * @param consecutiveFailures failures since the last successful contact with the broker
 * @param lastError the last failure (exception class and message), or null
 * @param lastErrorAt when {@code lastError} happened, or null
 * @param latestVersion newest valid version accepted (0 = none); differs from {@code servedVersion}
 *     while pinned or under the kill switch
 * @param pinnedVersion version pinned by a control record (0 = not pinned)
 * @param killSwitch a control record has the kill switch on: the fallback is served
 * @param controlSequence sequence of the control record applied last (0 = none)
 * @param controlsAccepted control records applied
 * @param controlsRejected control records rejected (bad, unsigned or forged; reasons in {@code rejectionsByReason})
 */
public record PolicyClientHealth(String modelId, String topic, boolean running, boolean connected, boolean warmedUp,
                                 long servedVersion, Instant servedCreatedAt, Instant lastAcceptedAt,
                                 Duration sinceLastAccepted, long accepted, long rejectedInvalid,
                                 Map<SnapshotProblem.Kind, Long> rejectionsByReason, long rejectedStale,
                                 long decodeFailures, long failures, long consecutiveFailures, String lastError,
                                 Instant lastErrorAt, long latestVersion, long pinnedVersion, boolean killSwitch,
                                 long controlSequence, long controlsAccepted, long controlsRejected) {

    /** Copies the map. */
    public PolicyClientHealth {
        rejectionsByReason = Map.copyOf(rejectionsByReason);
    }

    /** Rejections of one reason (0 if none). */
    public long rejections(SnapshotProblem.Kind kind) {
        return rejectionsByReason.getOrDefault(kind, 0L);
    }
}
