package io.grade.cli.bench;

import io.grade.simulator.ItemAgnosticCeiling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The learning curve of one run of {@code grade bench learning} (one world, one seed): the score
 * of the newest published policy version at every checkpoint of the traffic, the score of every
 * version on arrival, and what issue 13 accepts.
 *
 * <p>{@link Recorder} builds it from two kinds of events, in any interleaving: a version arrived
 * at the serving client ({@link Recorder#version}), and the generator issued so many requests
 * ({@link Recorder#advance}). Before any version arrives serving uses its fallback, the static
 * default weights, recorded as version 0. A version older than the newest (never expected: the
 * serving client refuses to go back) is scored but does not become the newest.
 */
public final class LearningCurve {

    /** Issue 13: at least this share of the static-to-oracle gap ... */
    public static final double TARGET_GAP = 0.5;
    /** ... within this many requests. */
    public static final long TARGET_GAP_REQUESTS = 30_000;
    /** Issue 13: at least this share of the world's ceiling_gap_closed ... */
    public static final double TARGET_OF_CEILING = 0.9;
    /** ... by this many requests. */
    public static final long TARGET_OF_CEILING_REQUESTS = 60_000;

    private LearningCurve() {}

    /**
     * The newest version's score when the generator had issued {@code requests} requests.
     *
     * @param requests the checkpoint
     * @param requestsIssued requests issued when it was read (at or a little past the checkpoint)
     * @param version the newest version serving had (0 = the static fallback)
     * @param requestsLearned labelled requests that version learned from (its snapshot's stats)
     */
    public record Checkpoint(long requests, long requestsIssued, long version, long requestsLearned, double policy,
                             double gapClosed, double ofCeiling) {

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("requests", requests);
            f.put("requests_issued", requestsIssued);
            f.put("version", version);
            f.put("requests_learned", requestsLearned);
            f.put("policy", policy);
            f.put("gap_closed", gapClosed);
            f.put("of_ceiling", ofCeiling);
            return f;
        }
    }

    /** One published version, scored when the serving client accepted it. */
    public record VersionScore(long version, long requestsAtArrival, long requestsLearned, double policy,
                               double gapClosed) {

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("version", version);
            f.put("requests_at_arrival", requestsAtArrival);
            f.put("requests_learned", requestsLearned);
            f.put("policy", policy);
            f.put("gap_closed", gapClosed);
            return f;
        }
    }

    /** The checkpoints of a run: every {@code every} requests up to {@code requests}, and {@code requests}. */
    public static List<Long> checkpoints(long every, long requests) {
        if (every < 1 || requests < 1) {
            throw new IllegalArgumentException("need every >= 1 and requests >= 1, got " + every + " and " + requests);
        }
        List<Long> out = new ArrayList<>();
        for (long n = every; n <= requests; n += every) {
            out.add(n);
        }
        if (out.isEmpty() || out.get(out.size() - 1) != requests) {
            out.add(requests);
        }
        return out;
    }

    /** A finished run; {@code seconds}: wall time of the streaming part (broker, job and generator). */
    public record Run(String world, long seed, ItemAgnosticCeiling.Result ceiling, List<Checkpoint> curve,
                      List<VersionScore> versions, double seconds) {

        public Run {
            curve = List.copyOf(curve);
            versions = List.copyOf(versions);
        }

        /** The last checkpoint at or before {@code requests}; null if none. */
        public Checkpoint at(long requests) {
            Checkpoint out = null;
            for (Checkpoint c : curve) {
                if (c.requests() <= requests) {
                    out = c;
                }
            }
            return out;
        }

        /** The first published version (the lowest number above 0); null if none arrived. */
        public VersionScore firstVersion() {
            VersionScore first = null;
            for (VersionScore v : versions) {
                if (v.version() > 0 && (first == null || v.version() < first.version())) {
                    first = v;
                }
            }
            return first;
        }

        /** gap_closed at 30,000 requests >= 0.5; null if the run stopped before 30,000. */
        public Boolean halfGapBy30000() {
            Checkpoint c = reached(TARGET_GAP_REQUESTS);
            return c == null ? null : c.gapClosed() >= TARGET_GAP;
        }

        /** gap_closed at 60,000 requests >= 0.9 ceiling_gap_closed; null if the run stopped before 60,000. */
        public Boolean ninetyPercentOfCeilingBy60000() {
            Checkpoint c = reached(TARGET_OF_CEILING_REQUESTS);
            return c == null ? null : c.ofCeiling() >= TARGET_OF_CEILING;
        }

        /** The first published version scores at least the best static weights; null if none arrived. */
        public Boolean firstVersionNotBelowStatic() {
            VersionScore v = firstVersion();
            return v == null ? null : v.gapClosed() >= 0;
        }

        private Checkpoint reached(long requests) {
            Checkpoint c = at(requests);
            return c != null && c.requests() == requests ? c : null;
        }

        /** The run's figures, the curve and every version included, for the summary JSON. */
        public Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("world", world);
            f.put("seed", seed);
            f.put("best_static", ceiling.bestStatic());
            f.put("oracle", ceiling.oracle());
            f.put("ceiling", ceiling.ceiling());
            f.put("ceiling_gap_closed", ceiling.gapClosed());
            f.put("held_out_requests", ceiling.testRequests());
            f.put("ceiling_fit_requests", ceiling.fitRequests());
            VersionScore first = firstVersion();
            f.put("first_version", first == null ? null : first.version());
            f.put("first_version_requests_at_arrival", first == null ? null : first.requestsAtArrival());
            f.put("first_version_gap_closed", first == null ? null : first.gapClosed());
            Checkpoint last = curve.isEmpty() ? null : curve.get(curve.size() - 1);
            f.put("requests", last == null ? null : last.requests());
            f.put("gap_closed_last", last == null ? null : last.gapClosed());
            f.put("of_ceiling_last", last == null ? null : last.ofCeiling());
            f.put("versions_published", versions.stream().filter(v -> v.version() > 0).count());
            f.put("accept_half_gap_by_30000", halfGapBy30000());
            f.put("accept_90pct_of_ceiling_by_60000", ninetyPercentOfCeilingBy60000());
            f.put("accept_first_version_not_below_static", firstVersionNotBelowStatic());
            f.put("seconds_streaming", seconds);
            f.put("curve", curve.stream().map(Checkpoint::figures).toList());
            f.put("versions", versions.stream().map(VersionScore::figures).toList());
            return f;
        }
    }

    /** Mean, lowest and highest gap_closed over a world's seeds at each checkpoint they all reached. */
    public record Band(long requests, double mean, double min, double max, int seeds) {}

    /** Per world (in order of appearance), the band of its runs' curves. */
    public static Map<String, List<Band>> bands(List<Run> runs) {
        Map<String, TreeMap<Long, List<Double>>> byWorld = new LinkedHashMap<>();
        Map<String, Integer> seeds = new LinkedHashMap<>();
        for (Run r : runs) {
            seeds.merge(r.world(), 1, Integer::sum);
            TreeMap<Long, List<Double>> at = byWorld.computeIfAbsent(r.world(), w -> new TreeMap<>());
            for (Checkpoint c : r.curve()) {
                at.computeIfAbsent(c.requests(), n -> new ArrayList<>()).add(c.gapClosed());
            }
        }
        Map<String, List<Band>> out = new LinkedHashMap<>();
        byWorld.forEach((world, at) -> {
            List<Band> bands = new ArrayList<>();
            at.forEach((n, gaps) -> {
                if (gaps.size() == seeds.get(world)) {
                    double sum = 0;
                    double min = Double.POSITIVE_INFINITY;
                    double max = Double.NEGATIVE_INFINITY;
                    for (double g : gaps) {
                        sum += g;
                        min = Math.min(min, g);
                        max = Math.max(max, g);
                    }
                    bands.add(new Band(n, sum / gaps.size(), min, max, gaps.size()));
                }
            });
            out.put(world, bands);
        });
        return out;
    }

    /** The console line of one checkpoint. */
    public static String line(String world, long seed, Checkpoint c, ItemAgnosticCeiling.Result ceiling) {
        return String.format(Locale.ROOT, "[%s seed %d] requests %,7d  v%-4d (learned %,7d)  policy %.4f  "
                        + "best static %.4f  oracle %.4f  gap_closed %+.3f  ceiling_gap_closed %.3f  of ceiling %+.2f",
                world, seed, c.requests(), c.version(), c.requestsLearned(), c.policy(), ceiling.bestStatic(),
                ceiling.oracle(), c.gapClosed(), ceiling.gapClosed(), c.ofCeiling());
    }

    /** Builds a {@link Run} from version arrivals and the generator's request count. Not thread-safe. */
    public static final class Recorder {
        private final String world;
        private final long seed;
        private final HeldOutScore judge;
        private final List<Long> checkpoints;
        private final List<Checkpoint> curve = new ArrayList<>();
        private final List<VersionScore> versions = new ArrayList<>();
        private VersionScore newest;

        /**
         * @param fallback what serving uses before any version arrives (the static default weights)
         */
        public Recorder(String world, long seed, HeldOutScore judge, long every, long requests,
                        HeldOutScore.Weights fallback) {
            this.world = world;
            this.seed = seed;
            this.judge = judge;
            this.checkpoints = checkpoints(every, requests);
            this.newest = score(0, 0, 0, fallback);
        }

        /** A version arrived at the serving client when {@code requestsIssued} requests had been issued. */
        public VersionScore version(long version, long requestsIssued, long requestsLearned,
                                    HeldOutScore.Weights policy) {
            VersionScore v = score(version, requestsIssued, requestsLearned, policy);
            versions.add(v);
            if (version > newest.version()) {
                newest = v;
            }
            return v;
        }

        private VersionScore score(long version, long requestsIssued, long requestsLearned,
                                   HeldOutScore.Weights policy) {
            double post = judge.meanPost(policy);
            return new VersionScore(version, requestsIssued, requestsLearned, post, judge.gapClosed(post));
        }

        /**
         * The generator has issued {@code requestsIssued} requests: records (and returns) every
         * checkpoint passed since the last call, with the newest version's score.
         */
        public List<Checkpoint> advance(long requestsIssued) {
            List<Checkpoint> passed = new ArrayList<>();
            while (curve.size() < checkpoints.size() && checkpoints.get(curve.size()) <= requestsIssued) {
                double gap = newest.gapClosed();
                Checkpoint c = new Checkpoint(checkpoints.get(curve.size()), requestsIssued, newest.version(),
                        newest.requestsLearned(), newest.policy(), gap, gap / judge.ceiling().gapClosed());
                curve.add(c);
                passed.add(c);
            }
            return passed;
        }

        /** True once every checkpoint is recorded. */
        public boolean done() {
            return curve.size() == checkpoints.size();
        }

        /** The next checkpoint to reach; -1 when done. */
        public long nextCheckpoint() {
            return done() ? -1 : checkpoints.get(curve.size());
        }

        public String world() {
            return world;
        }

        public long seed() {
            return seed;
        }

        /** The run so far. */
        public Run finish(double seconds) {
            return new Run(world, seed, judge.ceiling(), curve, versions, seconds);
        }
    }
}
