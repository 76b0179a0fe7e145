package io.grade.jobs.session;

/**
 * A user's current session: a run of requests whose event-time gaps stay below sessionGap. Kept in
 * keyed state (written with {@link SessionStateSerializer}) and cleared by a timer sessionGap after
 * the last request.
 */
public class SessionState {

    /** Event time of the session's first request. */
    public long start;
    /** Latest request event time seen in the session. */
    public long lastTime;
    /** Requests in the session so far. */
    public int requests;

    public SessionState() {}

    SessionState(long start, long lastTime, int requests) {
        this.start = start;
        this.lastTime = lastTime;
        this.requests = requests;
    }

    /**
     * The session after a request at {@code t}: a new one when there is none or the gap since the
     * last request is at least {@code gapMs}. Requests are counted in arrival order, which is event
     * order up to the sources' out-of-orderness.
     */
    public static SessionState next(SessionState current, long t, long gapMs) {
        if (current == null || t - current.lastTime >= gapMs) {
            return new SessionState(t, t, 1);
        }
        return new SessionState(Math.min(current.start, t), Math.max(current.lastTime, t), current.requests + 1);
    }

    /** 0-based position of the request that produced this state. */
    public int lastPosition() {
        return requests - 1;
    }

    /** True when no request arrived within {@code gapMs} before {@code t}: the session is over. */
    public boolean expiredAt(long t, long gapMs) {
        return lastTime + gapMs <= t;
    }
}
