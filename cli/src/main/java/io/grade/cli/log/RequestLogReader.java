package io.grade.cli.log;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a request log line by line. Every line is a request or a bad row: a bad row goes to the
 * {@link Listener} with its 1-based line number and the reason, and is counted; blank lines are
 * skipped. Beyond the format's own checks, every request must have the feature dimension and the
 * task count of the first valid one (a file is one job's traffic). Stops with {@link TooManyBadRows}
 * once more than {@code maxBadRows} rows were bad (negative = no limit).
 */
public final class RequestLogReader {

    /** Receives the rows of a log in file order. */
    public interface Listener {
        /** A valid request on line {@code line}. */
        void request(LoggedRequest request, long line) throws Exception;

        /** A bad row: line number and reason. */
        void badRow(long line, String reason);
    }

    /** Thrown when the bad rows exceed the limit; the message names the limit's option. */
    public static final class TooManyBadRows extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooManyBadRows(String message) {
            super(message);
        }
    }

    /**
     * What a read found.
     *
     * @param requests valid requests
     * @param badRows bad rows
     * @param featureDim feature dimension of the requests (0 when none)
     * @param tasks task count of the requests (0 when none)
     */
    public record Counts(long requests, long badRows, int featureDim, int tasks) {}

    private final long maxBadRows;
    private final String limitOption;

    /**
     * @param maxBadRows most bad rows tolerated; negative = no limit
     * @param limitOption the option that sets the limit, for the message
     */
    public RequestLogReader(long maxBadRows, String limitOption) {
        this.maxBadRows = maxBadRows;
        this.limitOption = limitOption;
    }

    /** Reads {@code file} (UTF-8) to the listener. */
    public Counts read(Path file, Listener listener) throws Exception {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, listener);
        }
    }

    /** Reads lines to the listener. */
    public Counts read(BufferedReader in, Listener listener) throws Exception {
        long line = 0;
        long good = 0;
        long bad = 0;
        int dim = 0;
        int tasks = 0;
        String text;
        while ((text = in.readLine()) != null) {
            line++;
            if (text.isBlank()) {
                continue;
            }
            String reason = null;
            LoggedRequest r = null;
            try {
                r = RequestLogFormat.parse(text);
                if (dim == 0) {
                    dim = r.features().length;
                    tasks = r.tasks();
                } else if (r.features().length != dim) {
                    reason = "features has " + r.features().length + " entries, the log's first request " + dim;
                } else if (r.tasks() != tasks) {
                    reason = "scores have " + r.tasks() + " tasks, the log's first request " + tasks;
                }
            } catch (RequestLogFormat.BadRowException e) {
                reason = e.getMessage();
            }
            if (reason == null) {
                good++;
                listener.request(r, line);
            } else {
                bad++;
                listener.badRow(line, reason);
                if (maxBadRows >= 0 && bad > maxBadRows) {
                    throw new TooManyBadRows("more than " + maxBadRows + " bad rows (" + limitOption
                            + "); stopped at line " + line);
                }
            }
        }
        return new Counts(good, bad, dim, tasks);
    }

    /** Every valid request of a file, in order, with the bad rows reported to {@code badRows}. */
    public static List<LoggedRequest> readAll(Path file, long maxBadRows, String limitOption,
                                              java.util.function.ObjLongConsumer<String> badRows) {
        List<LoggedRequest> out = new ArrayList<>();
        try {
            new RequestLogReader(maxBadRows, limitOption).read(file, new Listener() {
                @Override
                public void request(LoggedRequest request, long line) {
                    out.add(request);
                }

                @Override
                public void badRow(long line, String reason) {
                    badRows.accept(reason, line);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
