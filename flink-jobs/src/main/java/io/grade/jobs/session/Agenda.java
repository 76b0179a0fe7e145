package io.grade.jobs.session;

import java.util.Arrays;

/**
 * What is due at one event-time timer of a user: Flink keeps one timer per (key, time), so the join
 * records here which requests close, which orphans expire, which tombstones and sessions end. Kept
 * in MapState by time and removed when its timer fires, so onTimer never scans the user's state.
 */
public class Agenda {

    public static final byte CLOSE_REQUEST = 1;
    public static final byte EXPIRE_ORPHANS = 2;
    public static final byte DROP_TOMBSTONE = 3;
    public static final byte END_SESSION = 4;

    public byte[] kinds;
    /** Request id the task is about ("" for END_SESSION). */
    public String[] ids;

    public Agenda() {
        kinds = new byte[0];
        ids = new String[0];
    }

    /** Adds a task unless the same one is already due. */
    public Agenda add(byte kind, String id) {
        for (int i = 0; i < kinds.length; i++) {
            if (kinds[i] == kind && ids[i].equals(id)) {
                return this;
            }
        }
        kinds = Arrays.copyOf(kinds, kinds.length + 1);
        ids = Arrays.copyOf(ids, ids.length + 1);
        kinds[kinds.length - 1] = kind;
        ids[ids.length - 1] = id;
        return this;
    }

    public int size() {
        return kinds.length;
    }
}
