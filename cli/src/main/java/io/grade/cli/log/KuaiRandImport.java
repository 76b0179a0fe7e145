package io.grade.cli.log;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * KuaiRand's interaction logs ({@code log_standard_*.csv}, {@code log_random_*.csv}) as a request log
 * (docs/REQUEST-LOG.md, "KuaiRand"). KuaiRand logs single interactions without the candidate lists
 * or MTL scores of the requests, so both are approximated:
 *
 * <ul>
 *   <li>Requests: a user's interactions in time order, a new request after {@code maxGapMs} without
 *       one or after {@code requestSize} interactions; every interaction is a shown candidate at its
 *       place in the request; the request's event time is its first interaction's.
 *   <li>Tasks {@link #TASKS}, labels from {@code is_click}, {@code long_view}, {@code is_like},
 *       {@code is_comment}, each at the interaction's time plus its {@code play_time_ms}.
 *   <li>Scores from a simple model fitted on the earlier split (interactions before the {@code
 *       fitShare} quantile of time): per task, the item's and the user's smoothed positive rates,
 *       combined as item rate x user rate / global rate (clamped to (0, 1]). Requests are built from
 *       the later split only, so no score saw its own label.
 *   <li>Features: per task the log ratio of the user's smoothed rate to the global rate, log(1 + the
 *       user's interactions in the earlier split), and a constant 1: {@link #FEATURE_DIM} values.
 * </ul>
 */
public final class KuaiRandImport {

    /** The task names and feedback types of the imported log, in weight order. */
    public static final List<String> TASKS = List.of("click", "long_view", "like", "comment");

    /** KuaiRand columns of the tasks' labels, in task order. */
    static final List<String> LABEL_COLUMNS = List.of("is_click", "long_view", "is_like", "is_comment");

    /** Feature dimension of the imported requests. */
    public static final int FEATURE_DIM = TASKS.size() + 2;

    /** Columns the import needs (the others of the layout are ignored). */
    static final List<String> REQUIRED = List.of("user_id", "video_id", "time_ms", "is_click", "long_view", "is_like",
            "is_comment", "play_time_ms");

    private static final double SMOOTHING = 10.0;
    private static final double MIN_SCORE = 1e-6;

    /**
     * How to group and fit.
     *
     * @param requestSize most interactions per request, >= 1
     * @param maxGapMs a gap longer than this starts a new request
     * @param fitShare share of the interactions, the earliest in time, that fit the scores
     */
    public record Settings(int requestSize, long maxGapMs, double fitShare) {
        /** Validates; the message names the option. */
        public Settings {
            if (requestSize < 1) {
                throw new IllegalArgumentException("--request-size must be >= 1, got " + requestSize);
            }
            if (maxGapMs < 0) {
                throw new IllegalArgumentException("--max-gap must not be negative");
            }
            if (!(fitShare > 0 && fitShare < 1)) {
                throw new IllegalArgumentException("--fit-share must be in (0, 1), got " + fitShare);
            }
        }
    }

    /** Receives the bad rows: file, 1-based line number and reason. */
    public interface BadRows {
        void badRow(Path file, long line, String reason);
    }

    /**
     * What an import did.
     *
     * @param interactions valid interactions read
     * @param badRows bad rows
     * @param fitInteractions interactions in the earlier split (scores and features)
     * @param requests requests written (from the later split)
     */
    public record Counts(long interactions, long badRows, long fitInteractions, long requests) {}

    private record Interaction(long user, String item, long timeMs, long playMs, boolean[] labels) {}

    private KuaiRandImport() {}

    /** Reads the files, fits the scores on the earlier split and writes the later split's requests in event-time order. */
    public static Counts run(List<Path> files, Settings s, long maxBadRows, BadRows bad, Consumer<LoggedRequest> out)
            throws IOException {
        List<Interaction> all = new ArrayList<>();
        long badCount = 0;
        for (Path file : files) {
            badCount += read(file, all, maxBadRows < 0 ? -1 : maxBadRows - badCount, bad);
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("--input: no valid interaction in " + files);
        }
        all.sort(Comparator.comparingLong(Interaction::timeMs));
        int cut = (int) Math.round(all.size() * s.fitShare());
        if (cut < 1 || cut >= all.size()) {
            throw new IllegalArgumentException("--input: " + all.size() + " interactions are too few to split at "
                    + "--fit-share " + s.fitShare());
        }
        List<Interaction> fit = all.subList(0, cut);
        Model model = Model.fit(fit);
        List<Interaction> later = new ArrayList<>(all.subList(cut, all.size()));
        later.sort(Comparator.comparingLong(Interaction::user).thenComparingLong(Interaction::timeMs));
        List<LoggedRequest> requests = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= later.size(); i++) {
            boolean end = i == later.size() || later.get(i).user() != later.get(from).user()
                    || later.get(i).timeMs() - later.get(i - 1).timeMs() > s.maxGapMs() || i - from >= s.requestSize();
            if (end) {
                requests.add(request(later.subList(from, i), model));
                from = i;
            }
        }
        requests.sort(Comparator.comparingLong(LoggedRequest::eventTimeMs).thenComparing(LoggedRequest::requestId));
        requests.forEach(out);
        return new Counts(all.size(), badCount, fit.size(), requests.size());
    }

    private static LoggedRequest request(List<Interaction> group, Model model) {
        Interaction head = group.get(0);
        List<LoggedRequest.Candidate> candidates = new ArrayList<>(group.size());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Interaction x : group) {
            if (!seen.add(x.item())) {
                continue; // the same video twice in one request: its first interaction stands
            }
            List<LoggedRequest.Label> labels = new ArrayList<>();
            for (int k = 0; k < TASKS.size(); k++) {
                if (x.labels()[k]) {
                    labels.add(new LoggedRequest.Label(TASKS.get(k), 1.0, x.timeMs() + x.playMs()));
                }
            }
            candidates.add(new LoggedRequest.Candidate(x.item(), model.scores(x.user(), x.item()), candidates.size(),
                    List.copyOf(labels)));
        }
        return new LoggedRequest("kr-" + head.user() + "-" + head.timeMs(), "u" + head.user(), head.timeMs(), null,
                null, 0, null, model.features(head.user()), List.copyOf(candidates));
    }

    /** Reads one CSV file with a header line; returns its bad rows. */
    private static long read(Path file, List<Interaction> out, long maxBadRows, BadRows bad) throws IOException {
        long badCount = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null) {
                throw new IllegalArgumentException("--input: " + file + " is empty");
            }
            List<String> names = Arrays.asList(header.trim().split(",", -1));
            int[] col = new int[REQUIRED.size()];
            for (int c = 0; c < col.length; c++) {
                col[c] = names.indexOf(REQUIRED.get(c));
                if (col[c] < 0) {
                    throw new IllegalArgumentException("--input: " + file + " has no column " + REQUIRED.get(c)
                            + " (KuaiRand's log_standard/log_random layout: " + header + ")");
                }
            }
            String text;
            long line = 1;
            while ((text = in.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                String[] f = text.split(",", -1);
                String reason = null;
                if (f.length != names.size()) {
                    reason = f.length + " fields, the header has " + names.size();
                } else {
                    try {
                        boolean[] labels = new boolean[TASKS.size()];
                        for (int k = 0; k < labels.length; k++) {
                            labels[k] = flag(f[col[3 + k]], REQUIRED.get(3 + k));
                        }
                        long time = number(f[col[2]], "time_ms");
                        long play = f[col[7]].isBlank() ? 0 : number(f[col[7]], "play_time_ms");
                        String item = f[col[1]].trim();
                        if (item.isEmpty()) {
                            throw new IllegalArgumentException("video_id is empty");
                        }
                        out.add(new Interaction(number(f[col[0]], "user_id"), item, time, Math.max(0, play), labels));
                    } catch (IllegalArgumentException e) {
                        reason = e.getMessage();
                    }
                }
                if (reason != null) {
                    badCount++;
                    bad.badRow(file, line, reason);
                    if (maxBadRows >= 0 && badCount > maxBadRows) {
                        throw new RequestLogReader.TooManyBadRows("more than the allowed bad rows (--max-bad-rows); "
                                + "stopped at " + file + ":" + line);
                    }
                }
            }
        }
        return badCount;
    }

    private static long number(String v, String column) {
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new IllegalArgumentException(column + " is negative: " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            // KuaiRand writes some integer columns as 123.0
            try {
                double d = Double.parseDouble(v.trim());
                if (d >= 0 && d == Math.rint(d) && d < 9e18) {
                    return (long) d;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(column + " is not a non-negative integer: '" + v + "'");
        }
    }

    private static boolean flag(String v, String column) {
        long n = number(v, column);
        if (n > 1) {
            throw new IllegalArgumentException(column + " must be 0 or 1, got " + v);
        }
        return n == 1;
    }

    /** Smoothed per-item and per-user positive rates of the earlier split. */
    private static final class Model {
        private final double[] global = new double[TASKS.size()];
        private final Map<String, long[]> items = new HashMap<>();
        private final Map<Long, long[]> users = new HashMap<>();

        static Model fit(List<Interaction> fit) {
            Model m = new Model();
            long[] total = new long[TASKS.size()];
            for (Interaction x : fit) {
                long[] it = m.items.computeIfAbsent(x.item(), k -> new long[TASKS.size() + 1]);
                long[] us = m.users.computeIfAbsent(x.user(), k -> new long[TASKS.size() + 1]);
                it[TASKS.size()]++;
                us[TASKS.size()]++;
                for (int k = 0; k < TASKS.size(); k++) {
                    if (x.labels()[k]) {
                        it[k]++;
                        us[k]++;
                        total[k]++;
                    }
                }
            }
            for (int k = 0; k < TASKS.size(); k++) {
                // half a positive of prior so that a task never seen positive keeps a positive rate
                m.global[k] = (total[k] + 0.5) / (fit.size() + 1.0);
            }
            return m;
        }

        double rate(long[] counts, int k) {
            long n = counts == null ? 0 : counts[TASKS.size()];
            long pos = counts == null ? 0 : counts[k];
            return (pos + SMOOTHING * global[k]) / (n + SMOOTHING);
        }

        double[] scores(long user, String item) {
            long[] it = items.get(item);
            long[] us = users.get(user);
            double[] s = new double[TASKS.size()];
            for (int k = 0; k < s.length; k++) {
                s[k] = Math.min(1.0, Math.max(MIN_SCORE, rate(it, k) * rate(us, k) / global[k]));
            }
            return s;
        }

        double[] features(long user) {
            long[] us = users.get(user);
            double[] x = new double[FEATURE_DIM];
            for (int k = 0; k < TASKS.size(); k++) {
                x[k] = Math.log(rate(us, k) / global[k]);
            }
            x[TASKS.size()] = Math.log1p(us == null ? 0 : us[TASKS.size()]);
            x[TASKS.size() + 1] = 1.0;
            return x;
        }
    }
}
