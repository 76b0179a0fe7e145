package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.simulator.World;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionSchedulerTest {

    private static final long SLOT_MILLIS = 500;
    private static final double GAP_MILLIS = 120_000;

    private static List<SessionScheduler.Slot> slots(long seed, int users, int n) {
        SessionScheduler s = new SessionScheduler(users, 4, GAP_MILLIS, World.rng(seed));
        List<SessionScheduler.Slot> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(s.next(i * SLOT_MILLIS));
        }
        return out;
    }

    @Test
    void shouldRunSessionsOfTheConfiguredMeanLengthAndGap() {
        List<SessionScheduler.Slot> slots = slots(1, 10_000, 40_000);
        Map<Long, List<Long>> times = new HashMap<>();
        Map<Long, Boolean> ended = new HashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            SessionScheduler.Slot s = slots.get(i);
            List<Long> t = times.computeIfAbsent(s.sessionId(), k -> new ArrayList<>());
            assertThat(s.requestInSession()).isEqualTo(t.size());
            t.add(i * SLOT_MILLIS);
            if (s.lastInSession()) {
                ended.put(s.sessionId(), true);
            }
        }
        long requests = 0;
        double gapSum = 0;
        long gaps = 0;
        for (Map.Entry<Long, List<Long>> e : times.entrySet()) {
            if (!ended.containsKey(e.getKey())) {
                continue; // still running at the end: its length is not known yet
            }
            List<Long> t = e.getValue();
            requests += t.size();
            for (int i = 1; i < t.size(); i++) {
                gapSum += t.get(i) - t.get(i - 1);
                gaps++;
            }
        }
        double meanLength = (double) requests / ended.size();
        assertThat(meanLength).isBetween(3.6, 4.4);
        // a follow-up may wait for a free slot, so gaps run a little above the drawn ones
        assertThat(gapSum / gaps).isBetween(0.9 * GAP_MILLIS, 1.15 * GAP_MILLIS);
    }

    @Test
    void shouldNeverGiveAUserTwoSessionsAtOnce() {
        // few users, so new sessions often draw a user who is already in one
        List<SessionScheduler.Slot> slots = slots(2, 50, 20_000);
        Map<Integer, Long> open = new HashMap<>();
        for (SessionScheduler.Slot s : slots) {
            Long current = open.get(s.user());
            if (current != null) {
                assertThat(s.sessionId()).isEqualTo(current);
            }
            if (s.lastInSession()) {
                open.remove(s.user());
            } else {
                open.put(s.user(), s.sessionId());
            }
        }
    }

    @Test
    void shouldBeDeterministicPerSeed() {
        assertThat(slots(3, 1_000, 2_000)).isEqualTo(slots(3, 1_000, 2_000)).isNotEqualTo(slots(4, 1_000, 2_000));
    }
}
