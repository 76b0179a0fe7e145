package io.grade.cli.bench;

import static io.grade.cli.bench.JoinBenchmark.ACTIVE_USERS;
import static io.grade.cli.bench.JoinBenchmark.JITTER_MS;
import static io.grade.cli.bench.JoinBenchmark.T0;
import static io.grade.cli.bench.JoinBenchmark.USER_SPAN_MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.cli.bench.JoinBenchmark.Workload;
import io.grade.cli.bench.JoinBenchmark.WorkloadShape;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The join benchmark's workload generator: the steady and burst shapes. */
class JoinWorkloadTest {

    private static final long MINUTE = 60_000L;

    @Test
    void burstShouldReproduceTheOriginalEventsByteForByte() throws Exception {
        // Digests computed on the generator before the workload shapes existed (commit 61c6374); the
        // impressions' recomputed when Impression v2 (the online-holdout arm, UNASSIGNED here) changed
        // their writer fingerprint and added the arm's byte. The feedback digest is still 61c6374's.
        Workload w = Workload.generate(2_000, 1L, WorkloadShape.BURST);
        assertThat(w.impressions).hasSize(2_000);
        assertThat(w.feedback).hasSize(9_418);
        assertThat(digest(w.impressions.subList(0, 1_000))).isEqualTo("7a230ba04fa54ec1");
        assertThat(digest(w.impressions)).isEqualTo("68b71e67b3a0970a");
        assertThat(digest(w.feedback)).isEqualTo("3b2185c1c97291f8");
    }

    @Test
    void steadyRequestRateShouldBeConstantAndIndependentOfN() {
        double mean100k = assertPlateau(100_000);
        double mean200k = assertPlateau(200_000);
        assertThat(mean100k).isCloseTo(ACTIVE_USERS, within(0.01 * ACTIVE_USERS));
        assertThat(mean200k).isCloseTo(mean100k, within(0.01 * ACTIVE_USERS));
    }

    /** Every full minute between the end of the ramp-up and the last user's arrival holds ~ACTIVE_USERS requests. */
    private static double assertPlateau(int n) {
        long[] times = Workload.requestTimes(n, WorkloadShape.STEADY, new Random(7));
        Map<Long, Integer> perMinute = perMinute(times);
        long lastStart = WorkloadShape.STEADY.userStartMs(Workload.users(n) - 1, Workload.users(n));
        long first = (USER_SPAN_MS + JITTER_MS + MINUTE - 1) / MINUTE;
        long last = lastStart / MINUTE - 1; // the last full minute before the ramp-down starts
        assertThat(last - first + 1).as("plateau minutes at N=%d", n).isGreaterThanOrEqualTo(10);
        long sum = 0;
        for (long m = first; m <= last; m++) {
            int count = perMinute.getOrDefault(m, 0);
            assertThat(count).as("requests in minute %d at N=%d", m, n)
                    .isBetween((int) (0.9 * ACTIVE_USERS), (int) (1.1 * ACTIVE_USERS));
            sum += count;
        }
        // The whole run never exceeds the plateau rate: no burst at the start or the end.
        assertThat(perMinute.values()).allSatisfy(c -> assertThat(c).isLessThanOrEqualTo((int) (1.1 * ACTIVE_USERS)));
        return sum / (double) (last - first + 1);
    }

    @Test
    void burstRateShouldGrowWithNAndMatchSteadyAtFiftyThousand() {
        // The old shape squeezes all users into 20 minutes: rate = N / 20 per minute.
        for (int n : new int[] {50_000, 100_000, 200_000}) {
            Map<Long, Integer> perMinute = perMinute(Workload.requestTimes(n, WorkloadShape.BURST, new Random(7)));
            int expected = n / 20;
            for (long m = 1; m <= 18; m++) {
                assertThat(perMinute.get(m)).as("burst minute %d at N=%d", m, n)
                        .isBetween((int) (0.9 * expected), (int) (1.1 * expected));
            }
        }
        // At N = 50,000 the two shapes peak at the same rate (2,500 requests a minute).
        assertThat(50_000 / 20).isEqualTo(ACTIVE_USERS);
    }

    @Test
    void steadyUsersShouldArriveEvenlyAndSmallRunsShouldBeShorter() {
        assertThat(WorkloadShape.STEADY.userStartMs(0, 100)).isZero();
        assertThat(WorkloadShape.STEADY.userStartMs(1, 100)).isEqualTo(480);
        assertThat(WorkloadShape.STEADY.userStartMs(2_500, 5_000)).isEqualTo(USER_SPAN_MS);
        // N = 5,000: 250 users arriving over 2 minutes, the last one's 20 requests end 22 minutes in.
        long[] times = Workload.requestTimes(5_000, WorkloadShape.STEADY, new Random(7));
        long max = 0;
        for (long t : times) {
            max = Math.max(max, t - T0);
        }
        assertThat(max).isBetween(249 * 480L + 19 * MINUTE, 249 * 480L + 19 * MINUTE + JITTER_MS);
    }

    @Test
    void steadyEventsShouldFollowTheScheduleAndDifferFromBurstOnlyInTime() {
        Workload steady = Workload.generate(2_000, 1L, WorkloadShape.STEADY);
        Workload burst = Workload.generate(2_000, 1L, WorkloadShape.BURST);
        assertThat(steady.impressions).hasSize(2_000);
        // Same draws in the same order: same clicks, orders and feedback event ids.
        assertThat(steady.feedback).hasSize(burst.feedback.size());
        assertOrdered(steady.impressions);
        assertOrdered(steady.feedback);

        EventCodec<Impression> codec = EventCodec.impressions();
        int users = Workload.users(2_000);
        Map<String, Impression> burstById = new HashMap<>();
        for (ProducerRecord<byte[], byte[]> r : burst.impressions) {
            Impression imp = codec.decode(r.value()).value();
            burstById.put(imp.getRequestId().toString(), imp);
        }
        for (ProducerRecord<byte[], byte[]> r : steady.impressions) {
            Impression imp = codec.decode(r.value()).value();
            String[] parts = imp.getRequestId().toString().split("-"); // user-<u>-<i>
            int u = Integer.parseInt(parts[1]);
            int i = Integer.parseInt(parts[2]);
            long jitter = r.timestamp() - Workload.requestTime(WorkloadShape.STEADY, i * users + u, users, 0);
            assertThat(jitter).isBetween(0L, JITTER_MS - 1L);
            assertThat(imp.getEventTime().toEpochMilli()).isEqualTo(r.timestamp());
            assertThat(new String(r.key())).isEqualTo(imp.getUserId().toString());
            Impression twin = burstById.get(imp.getRequestId().toString());
            assertThat(imp.getItems()).isEqualTo(twin.getItems());
            assertThat(imp.getFeatures()).isEqualTo(twin.getFeatures());
            assertThat(imp.getServedWeights()).isEqualTo(twin.getServedWeights());
        }
    }

    @Test
    void shapesShouldParseFromTheirCommandLineNames() {
        assertThat(WorkloadShape.parse("steady")).isEqualTo(WorkloadShape.STEADY);
        assertThat(WorkloadShape.parse("BURST")).isEqualTo(WorkloadShape.BURST);
        assertThat(WorkloadShape.STEADY.cliName()).isEqualTo("steady");
        assertThatThrownBy(() -> WorkloadShape.parse("ramp")).hasMessageContaining("steady, burst");
    }

    private static void assertOrdered(List<ProducerRecord<byte[], byte[]>> records) {
        for (int k = 1; k < records.size(); k++) {
            assertThat(records.get(k).timestamp()).isGreaterThanOrEqualTo(records.get(k - 1).timestamp());
        }
    }

    private static Map<Long, Integer> perMinute(long[] times) {
        Map<Long, Integer> out = new TreeMap<>();
        for (long t : times) {
            out.merge((t - T0) / MINUTE, 1, Integer::sum);
        }
        return out;
    }

    /** SHA-256 (first 16 hex digits) over each record's timestamp, key and value. */
    static String digest(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (ProducerRecord<byte[], byte[]> r : records) {
            sha.update(Long.toString(r.timestamp()).getBytes(StandardCharsets.US_ASCII));
            sha.update(r.key());
            sha.update(r.value());
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }
}
