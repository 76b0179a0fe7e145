package io.grade.generator;

import io.grade.generator.GeneratorStats.PolicyArrival;
import io.grade.generator.GeneratorStats.RewardSummary;
import io.grade.schemas.ExperimentArm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Collects the generator's measurements: written by the generator thread (and the policy client's
 * thread for arrivals), read by anyone through {@link #snapshot}. Memory stays bounded however long
 * the generator runs: per-version sums, and a timeline of at most {@link #MAX_BUCKETS} buckets whose
 * size doubles (pairs merged) whenever it fills, so the first and last 20 % are exact to one bucket.
 */
final class StatsRecorder {

    static final int MAX_BUCKETS = 256;
    private static final int FIRST_BUCKET_SIZE = 16;
    private static final double WINDOW_SHARE = 0.2;

    /** Running sums of one set of requests. */
    static final class Acc {
        final long firstRequest;
        long n;
        double served;
        double fixed;
        long oracleN;
        double oracle;
        double servedSampled;
        double fixedSampled;

        Acc(long firstRequest) {
            this.firstRequest = firstRequest;
        }

        void add(double servedPost, double staticPost, double oraclePost) {
            n++;
            served += servedPost;
            fixed += staticPost;
            if (!Double.isNaN(oraclePost)) {
                oracleN++;
                oracle += oraclePost;
                servedSampled += servedPost;
                fixedSampled += staticPost;
            }
        }

        void addAll(Acc o) {
            n += o.n;
            served += o.served;
            fixed += o.fixed;
            oracleN += o.oracleN;
            oracle += o.oracle;
            servedSampled += o.servedSampled;
            fixedSampled += o.fixedSampled;
        }

        RewardSummary summary() {
            return new RewardSummary(firstRequest, n, served / n, fixed / n, oracleN, oracle / oracleN,
                    servedSampled / oracleN, fixedSampled / oracleN);
        }
    }

    private final AtomicLong feedback = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final Map<MalformedKind, AtomicLong> malformedByKind = new EnumMap<>(MalformedKind.class);

    // guarded by this
    private long startNanos = -1;
    private long endNanos = -1;
    private long requests;
    private long simulatedTime;
    private long behindMillis;
    private final Acc overall = new Acc(0);
    /** Treatment-arm requests served by a learned version, realised R_post: what the online holdout measures. */
    private final Acc treatmentLearned = new Acc(0);
    private long controlRequests;
    private final Map<Long, Acc> byVersion = new TreeMap<>();
    private final List<Acc> buckets = new ArrayList<>();
    private int bucketSize = FIRST_BUCKET_SIZE;
    private final Map<Long, PolicyArrival> arrivals = new LinkedHashMap<>();
    // kept apart from arrivals: the client swaps a policy in before it reports the arrival, so the
    // first request with a version can come first
    private final Map<Long, FirstServed> firstServed = new TreeMap<>();

    private record FirstServed(Instant at, long request) {}

    StatsRecorder() {
        for (MalformedKind k : MalformedKind.values()) {
            malformedByKind.put(k, new AtomicLong());
        }
    }

    synchronized void started(long nanos) {
        startNanos = nanos;
    }

    /** Freezes the elapsed time (events per second stay meaningful after the generator ends). */
    synchronized void finished(long nanos) {
        if (endNanos < 0) {
            endNanos = nanos;
        }
    }

    /**
     * One served request and its expected R_post: served ranking, static-weight ranking, and the
     * oracle (NaN when the request was not sampled for the oracle).
     */
    synchronized void request(long index, long version, ExperimentArm arm, double served, double staticPost,
                              double oracle, long eventTime, long behindScheduleMillis) {
        requests++;
        if (arm == ExperimentArm.CONTROL) {
            controlRequests++;
        }
        simulatedTime = eventTime;
        behindMillis = behindScheduleMillis;
        overall.add(served, staticPost, oracle);
        Acc v = byVersion.get(version);
        if (v == null) {
            v = new Acc(index);
            byVersion.put(version, v);
            firstServed.put(version, new FirstServed(Instant.now(), index));
        }
        v.add(served, staticPost, oracle);
        if (buckets.isEmpty() || buckets.get(buckets.size() - 1).n >= bucketSize) {
            if (buckets.size() == MAX_BUCKETS) {
                mergePairs();
            }
            buckets.add(new Acc(index));
        }
        buckets.get(buckets.size() - 1).add(served, staticPost, oracle);
    }

    /**
     * The realised R_post of a treatment request served by a learned policy and of the static
     * ranking's counterfactual response on it; NaN for other requests (not counted).
     */
    synchronized void treatmentRealised(double served, double staticPost) {
        if (!Double.isNaN(served)) {
            treatmentLearned.add(served, staticPost, Double.NaN);
        }
    }

    private void mergePairs() {
        List<Acc> merged = new ArrayList<>(MAX_BUCKETS / 2);
        for (int i = 0; i < buckets.size(); i += 2) {
            Acc a = new Acc(buckets.get(i).firstRequest);
            a.addAll(buckets.get(i));
            if (i + 1 < buckets.size()) {
                a.addAll(buckets.get(i + 1));
            }
            merged.add(a);
        }
        buckets.clear();
        buckets.addAll(merged);
        bucketSize *= 2;
    }

    void event() {
        events.incrementAndGet();
    }

    void feedback() {
        feedback.incrementAndGet();
    }

    void malformed(MalformedKind kind) {
        malformed.incrementAndGet();
        malformedByKind.get(kind).incrementAndGet();
    }

    void pendingFeedback(long n) {
        pending.set(n);
    }

    /** A policy version became current in the serving client. */
    synchronized void policyAccepted(long version, Instant createdAt, Instant acceptedAt) {
        arrivals.putIfAbsent(version, new PolicyArrival(version, createdAt, acceptedAt, null, -1));
    }

    synchronized GeneratorStats snapshot(long currentVersion) {
        long now = endNanos >= 0 ? endNanos : System.nanoTime();
        double elapsed = startNanos < 0 ? 0 : (now - startNanos) / 1e9;
        long produced = events.get();
        Map<MalformedKind, Long> kinds = new EnumMap<>(MalformedKind.class);
        malformedByKind.forEach((k, v) -> kinds.put(k, v.get()));
        Map<Long, RewardSummary> versions = new LinkedHashMap<>();
        byVersion.forEach((v, acc) -> versions.put(v, acc.summary()));
        List<RewardSummary> timeline = new ArrayList<>(buckets.size());
        for (Acc b : buckets) {
            timeline.add(b.summary());
        }
        return new GeneratorStats(requests, feedback.get(), malformed.get(), Collections.unmodifiableMap(kinds),
                pending.get(), produced, elapsed, elapsed > 0 ? produced / elapsed : 0,
                Instant.ofEpochMilli(simulatedTime), behindMillis, overall.summary(), window(true), window(false),
                Collections.unmodifiableMap(versions), List.copyOf(timeline), arrivals(),
                currentVersion, controlRequests, treatmentLearned.summary());
    }

    private List<PolicyArrival> arrivals() {
        List<PolicyArrival> out = new ArrayList<>(arrivals.size());
        for (PolicyArrival a : arrivals.values()) {
            FirstServed f = firstServed.get(a.version());
            out.add(f == null ? a : new PolicyArrival(a.version(), a.createdAt(), a.acceptedAt(), f.at(), f.request()));
        }
        return List.copyOf(out);
    }

    /** The first (or last) 20 % of the requests, to the nearest whole bucket at or above the share. */
    private RewardSummary window(boolean first) {
        long target = (long) Math.ceil(WINDOW_SHARE * requests);
        int size = buckets.size();
        List<Acc> taken = new ArrayList<>();
        long n = 0;
        for (int i = 0; i < size && n < target; i++) {
            Acc b = buckets.get(first ? i : size - 1 - i);
            taken.add(b);
            n += b.n;
        }
        long firstRequest = taken.isEmpty() ? 0 : taken.get(first ? 0 : taken.size() - 1).firstRequest;
        Acc acc = new Acc(firstRequest);
        for (Acc b : taken) {
            acc.addAll(b);
        }
        return acc.summary();
    }
}
