package io.grade.jobs.session;

import java.util.Arrays;

/**
 * Tombstone of a closed request, kept dedupRetention after it closed: tells a late feedback event
 * (counted, late output) from a duplicate one (counted once) and a duplicate impression from a new one.
 */
public class ClosedRequest {

    public long closedAt;
    public long expiresAt;
    public String[] feedbackEventIds;

    public ClosedRequest() {}

    public static ClosedRequest of(RequestLabels r, long closedAt, long retentionMs) {
        ClosedRequest c = new ClosedRequest();
        c.closedAt = closedAt;
        c.expiresAt = closedAt + retentionMs;
        c.feedbackEventIds = r.feedbackEventIds();
        return c;
    }

    /** Records a feedback event id; false if it was already there (a duplicate). */
    public boolean remember(String eventId) {
        for (String id : feedbackEventIds) {
            if (id.equals(eventId)) {
                return false;
            }
        }
        feedbackEventIds = Arrays.copyOf(feedbackEventIds, feedbackEventIds.length + 1);
        feedbackEventIds[feedbackEventIds.length - 1] = eventId;
        return true;
    }
}
