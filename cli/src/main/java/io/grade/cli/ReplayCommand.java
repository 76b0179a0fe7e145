package io.grade.cli;

import io.grade.cli.log.LogReplayer;
import io.grade.cli.log.LoggedRequest;
import io.grade.cli.log.RequestLogReader;
import io.grade.generator.GeneratorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade replay}: a request log (docs/REQUEST-LOG.md) as impression and feedback events on Kafka. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replays a request log (JSON Lines, docs/REQUEST-LOG.md) to Kafka: one Impression per request "
                + "and one Feedback per label, in single-object encoding, keyed by user id, in event-time order.",
            "A bad row is reported on stderr with its line number and reason and counted in the summary; "
                    + "more than --max-bad-rows of them stop the replay (exit code 1)."})
public final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "The request log (UTF-8 JSON Lines).")
    Path input;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers, host:port[,...].")
    String bootstrapServers;

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka = new KafkaClientOptions();

    @Option(names = "--impressions-topic", defaultValue = GeneratorConfig.DEFAULT_IMPRESSIONS_TOPIC,
            description = "Impressions topic (default: ${DEFAULT-VALUE}).")
    String impressionsTopic;

    @Option(names = "--feedback-topic", defaultValue = GeneratorConfig.DEFAULT_FEEDBACK_TOPIC,
            description = "Feedback topic (default: ${DEFAULT-VALUE}).")
    String feedbackTopic;

    @Option(names = "--model-id", defaultValue = GeneratorConfig.DEFAULT_MODEL_ID,
            description = "Model id of the rows that name none (default: ${DEFAULT-VALUE}).")
    String modelId;

    @Option(names = "--pace-factor", defaultValue = "0",
            description = "Event-time ms per wall ms, e.g. 60 = one logged hour per wall minute; 0 = full speed "
                    + "(default: ${DEFAULT-VALUE}).")
    double paceFactor;

    @Option(names = "--max-bad-rows", defaultValue = "100",
            description = "Bad rows tolerated before the replay stops; -1 = no limit (default: ${DEFAULT-VALUE}).")
    long maxBadRows;

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(input)) {
            throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(),
                    "--input: cannot read " + input);
        }
        LogReplayer.Config config;
        try {
            config = new LogReplayer.Config(bootstrapServers, kafka.merged(),
                    impressionsTopic, feedbackTopic, modelId, paceFactor);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage());
        }
        java.io.PrintWriter err = commandSpec.commandLine().getErr();
        long start = System.nanoTime();
        RequestLogReader.Counts counts;
        LogReplayer.Stats stats;
        try (LogReplayer replayer = new LogReplayer(config)) {
            try {
                counts = new RequestLogReader(maxBadRows, "--max-bad-rows").read(input, new RequestLogReader.Listener() {
                    @Override
                    public void request(LoggedRequest request, long line) throws InterruptedException {
                        replayer.replay(request);
                    }

                    @Override
                    public void badRow(long line, String reason) {
                        err.println("grade replay: " + input + ":" + line + ": bad row: " + reason);
                    }
                });
            } catch (RequestLogReader.TooManyBadRows e) {
                err.println("grade replay: " + e.getMessage());
                return 1;
            }
            stats = replayer.finish();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", counts.requests());
        m.put("bad_rows", counts.badRows());
        m.put("impressions", stats.impressions());
        m.put("feedback_events", stats.feedback());
        m.put("feature_dim", counts.featureDim());
        m.put("tasks", counts.tasks());
        m.put("first_event_time", stats.impressions() == 0 ? null : Instant.ofEpochMilli(stats.firstEventTimeMs()).toString());
        m.put("last_event_time", stats.impressions() == 0 ? null : Instant.ofEpochMilli(stats.lastEventTimeMs()).toString());
        m.put("elapsed_s", seconds);
        m.put("events_per_s", seconds > 0 ? (stats.impressions() + stats.feedback()) / seconds : Double.NaN);
        err.printf("grade replay: %d requests (%d bad rows), %d impressions and %d feedback events to %s / %s%n",
                counts.requests(), counts.badRows(), stats.impressions(), stats.feedback(), impressionsTopic,
                feedbackTopic);
        commandSpec.commandLine().getOut().println(SummaryJson.render(m));
        commandSpec.commandLine().getOut().flush();
        err.flush();
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, m);
        }
        return 0;
    }
}
