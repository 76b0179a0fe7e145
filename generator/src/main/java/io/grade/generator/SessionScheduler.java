package io.grade.generator;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * Decides which user makes each request slot: users come in sessions of a few requests a few
 * simulated minutes apart, then leave. Requests arrive on a fixed event-time grid (the rate); a
 * slot goes to the session whose next request is due earliest, or, when none is due, to a new
 * session of a user drawn uniformly. Deterministic for a seed; not thread-safe.
 */
final class SessionScheduler {

    /** Who asks in a slot. */
    record Slot(int user, long sessionId, int requestInSession, boolean lastInSession) {}

    private static final class Session {
        final long id;
        final int user;
        final int length;
        int served;
        long due;

        Session(long id, int user, int length, long due) {
            this.id = id;
            this.user = user;
            this.length = length;
            this.due = due;
        }
    }

    private final int users;
    private final double continueProbability;
    private final double gapMeanMillis;
    private final UniformRandomProvider rng;
    private final ZigguratSampler.Exponential exponential;
    // ties on the due time go to the older session, so the order is deterministic
    private final PriorityQueue<Session> waiting = new PriorityQueue<>(
            (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.id, b.id));
    private final Map<Integer, Session> active = new HashMap<>();
    private long sessions;

    /**
     * @param users users to draw from
     * @param sessionRequestsMean mean requests per session; lengths are geometric on 1, 2, ...
     * @param gapMeanMillis mean event-time gap between the requests of a session (exponential)
     */
    SessionScheduler(int users, double sessionRequestsMean, double gapMeanMillis, UniformRandomProvider rng) {
        this.users = users;
        this.continueProbability = 1 - 1 / sessionRequestsMean;
        this.gapMeanMillis = gapMeanMillis;
        this.rng = rng;
        this.exponential = ZigguratSampler.Exponential.of(rng);
    }

    /** The user of the request slot at {@code eventTime}; slots must come in non-decreasing time. */
    Slot next(long eventTime) {
        Session s = waiting.peek();
        if (s != null && s.due <= eventTime) {
            waiting.poll();
        } else {
            int user = rng.nextInt(users);
            s = active.get(user);
            if (s != null) {
                // The user is already in a session: the visit just comes earlier than planned, so a
                // user never has two sessions at once.
                waiting.remove(s);
            } else {
                s = new Session(sessions++, user, sessionLength(), eventTime);
                active.put(user, s);
            }
        }
        s.served++;
        boolean last = s.served >= s.length;
        if (last) {
            active.remove(s.user);
        } else {
            s.due = eventTime + Math.max(1L, Math.round(gapMeanMillis * exponential.sample()));
            waiting.add(s);
        }
        return new Slot(s.user, s.id, s.served - 1, last);
    }

    /** Sessions started so far. */
    long sessionsStarted() {
        return sessions;
    }

    /** Sessions with requests still to come. */
    int activeSessions() {
        return active.size();
    }

    private int sessionLength() {
        int length = 1;
        // geometric: keep going with probability 1 - 1/mean; capped so one session cannot run away
        while (length < 1_000 && rng.nextDouble() < continueProbability) {
            length++;
        }
        return length;
    }
}
