package io.grade.jobs.session;

/**
 * Everything the join keeps per request id, in one keyed map entry (state {@code requests}, written
 * with {@link RequestSlotSerializer}), so that a feedback event or an impression needs one lookup
 * whatever the request's stage:
 * <ul>
 *   <li>{@link #ORPHANS}: feedback that came before its impression ({@link OrphanBuffer});</li>
 *   <li>{@link #OPEN}: the request is open, the part every feedback event reads and rewrites
 *       ({@link RequestLabels}; the impression data itself is in {@code open-requests});</li>
 *   <li>{@link #CLOSED}: the tombstone kept dedupRetention after the close ({@link ClosedRequest}).</li>
 * </ul>
 */
public final class RequestSlot {

    public static final byte ORPHANS = 1;
    public static final byte OPEN = 2;
    public static final byte CLOSED = 3;

    public final byte kind;
    public final OrphanBuffer orphans;
    public final RequestLabels labels;
    public final ClosedRequest closed;

    private RequestSlot(byte kind, OrphanBuffer orphans, RequestLabels labels, ClosedRequest closed) {
        this.kind = kind;
        this.orphans = orphans;
        this.labels = labels;
        this.closed = closed;
    }

    public static RequestSlot orphans(OrphanBuffer orphans) {
        return new RequestSlot(ORPHANS, orphans, null, null);
    }

    public static RequestSlot open(RequestLabels labels) {
        return new RequestSlot(OPEN, null, labels, null);
    }

    public static RequestSlot closed(ClosedRequest closed) {
        return new RequestSlot(CLOSED, null, null, closed);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RequestSlot s) || s.kind != kind) {
            return false;
        }
        return switch (kind) {
            case OPEN -> labels.equals(s.labels);
            case ORPHANS -> java.util.Arrays.equals(eventIds(orphans), eventIds(s.orphans))
                    && java.util.Arrays.equals(orphans.expiries, s.orphans.expiries);
            default -> closed.closedAt == s.closed.closedAt && closed.expiresAt == s.closed.expiresAt
                    && java.util.Arrays.equals(closed.feedbackEventIds, s.closed.feedbackEventIds);
        };
    }

    private static String[] eventIds(OrphanBuffer b) {
        String[] ids = new String[b.events.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = b.events[i].eventId;
        }
        return ids;
    }

    @Override
    public int hashCode() {
        return kind;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case OPEN -> "OPEN " + labels;
            case ORPHANS -> "ORPHANS " + orphans.events.length;
            default -> "CLOSED " + closed.feedbackEventIds.length;
        };
    }
}
