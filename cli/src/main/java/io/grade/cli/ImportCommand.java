package io.grade.cli;

import io.grade.cli.log.KuaiRandImport;
import io.grade.cli.log.RequestLogFormat;
import io.grade.cli.log.RequestLogReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade import}: public interaction logs as request logs (docs/REQUEST-LOG.md). */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Converts a public interaction log to a request log (docs/REQUEST-LOG.md).",
        subcommands = ImportCommand.KuaiRand.class)
public final class ImportCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code grade import kuairand}. */
    @Command(name = "kuairand", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"KuaiRand's log_standard_*.csv / log_random_*.csv as a request log: a user's interactions "
                    + "grouped into requests, per-task scores from smoothed item and user rates of the earlier "
                    + "--fit-share of the interactions (docs/REQUEST-LOG.md, KuaiRand, says what that costs).",
                "Tasks click;long_view;like;comment, feature dimension 6: give the job and grade stage1 "
                        + "--tasks 'click;long_view;like;comment' --feedback-tasks "
                        + "click:click,long_view:long_view,like:like,comment:comment "
                        + "--binary-tasks 'click;long_view;like;comment' --feature-dim 6."})
    static final class KuaiRand implements Callable<Integer> {

        @Option(names = "--input", required = true, paramLabel = "FILE",
                description = "A KuaiRand log CSV with its header line; repeatable (read as one log).")
        List<Path> inputs;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The request log to write.")
        Path out;

        @Option(names = "--request-size", defaultValue = "10",
                description = "Most interactions per request (default: ${DEFAULT-VALUE}).")
        int requestSize;

        @Option(names = "--max-gap", defaultValue = "PT1M", converter = DurationOption.Converter.class,
                description = "A longer gap between a user's interactions starts a new request (default: ${DEFAULT-VALUE}).")
        Duration maxGap;

        @Option(names = "--fit-share", defaultValue = "0.5",
                description = "Share of the interactions, the earliest, that fit the scores and features; the requests "
                        + "come from the rest (default: ${DEFAULT-VALUE}).")
        double fitShare;

        @Option(names = "--max-bad-rows", defaultValue = "100",
                description = "Bad rows tolerated before stopping; -1 = no limit (default: ${DEFAULT-VALUE}).")
        long maxBadRows;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            KuaiRandImport.Settings settings;
            try {
                settings = new KuaiRandImport.Settings(requestSize, maxGap.toMillis(), fitShare);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            java.io.PrintWriter err = spec.commandLine().getErr();
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            KuaiRandImport.Counts counts;
            try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                counts = KuaiRandImport.run(inputs, settings, maxBadRows,
                        (file, line, reason) -> err.println("grade import kuairand: " + file + ":" + line
                                + ": bad row: " + reason),
                        r -> {
                            try {
                                writer.write(RequestLogFormat.format(r));
                                writer.newLine();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
            } catch (RequestLogReader.TooManyBadRows | IllegalArgumentException e) {
                err.println("grade import kuairand: " + e.getMessage());
                return 1;
            }
            err.printf("grade import kuairand: %d interactions (%d bad rows), %d fitted the scores, %d requests to %s%n",
                    counts.interactions(), counts.badRows(), counts.fitInteractions(), counts.requests(), out);
            err.flush();
            return 0;
        }
    }
}
