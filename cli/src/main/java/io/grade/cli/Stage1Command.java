package io.grade.cli;

import io.grade.cli.log.LogStageOne;
import io.grade.cli.log.LoggedRequest;
import io.grade.cli.log.RequestLogReader;
import io.grade.jobs.config.CommandLine;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.LearnerConfig;
import io.grade.schemas.codec.EventCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade stage1}: fits the Stage 1 (LambdaLoss) policy on a request log and writes the job's --stage1-snapshot file. */
@Command(name = "stage1", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fits the Stage 1 (LambdaLoss) policy on a request log (docs/REQUEST-LOG.md) and writes it as the "
                + "PolicySnapshot file (version 1, single-object encoding) the job's --stage1-snapshot reads.",
            "Give it the job flags that shape the policy (--tasks, --feedback-tasks, --binary-tasks, --feature-dim, "
                    + "--fusion, --betas, --experts, --hidden, --tower, --model-id, ...) with --job-arg, as you will "
                    + "give them to the job.",
            "Prints the mean counterfactual R_post of Stage 1, equal weights, the best static weights and the "
                    + "logged weights on the held-out latest --holdout-share of the log."})
public final class Stage1Command implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "The request log (UTF-8 JSON Lines).")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The snapshot file to write.")
    Path out;

    @Option(names = "--holdout-share", defaultValue = "0.2",
            description = "Share of the requests, the latest in event time, held out for the offline figure "
                    + "(default: ${DEFAULT-VALUE}).")
    double holdoutShare;

    @Option(names = "--epochs", defaultValue = "20", description = "LambdaLoss passes over the training part (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Requests per Adam step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "1e-3", description = "Adam step size (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--max-bad-rows", defaultValue = "100",
            description = "Bad rows tolerated before stopping; -1 = no limit (default: ${DEFAULT-VALUE}).")
    long maxBadRows;

    @Option(names = "--job-arg", description = "A job flag, e.g. --job-arg=--tasks='ctr;cvr' (repeatable); the job's "
            + "defaults otherwise; --seed seeds the network.")
    List<String> jobArgs = new ArrayList<>();

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter err = commandSpec.commandLine().getErr();
        GradeConfig job;
        LearnerConfig learner;
        LogStageOne.Settings settings;
        try {
            Configuration conf = CommandLine.toConfiguration(CommandLine.toMap(jobArgs.toArray(String[]::new)));
            job = GradeConfig.from(conf);
            learner = LearnerConfig.from(conf, job);
            settings = new LogStageOne.Settings(holdoutShare, epochs, batchSize, learningRate,
                    conf.get(io.grade.jobs.config.LearnerOptions.SEED));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage());
        }
        if (!Files.isReadable(input)) {
            throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(), "--input: cannot read " + input);
        }
        long[] bad = new long[1];
        List<LoggedRequest> log;
        try {
            log = RequestLogReader.readAll(input, maxBadRows, "--max-bad-rows", (reason, line) -> {
                bad[0]++;
                err.println("grade stage1: " + input + ":" + line + ": bad row: " + reason);
            });
        } catch (RequestLogReader.TooManyBadRows e) {
            err.println("grade stage1: " + e.getMessage());
            return 1;
        }
        LogStageOne.Result r;
        LogStageOne.Labelled data;
        try {
            data = LogStageOne.label(log, job);
            r = LogStageOne.fit(data, job, learner, settings);
        } catch (IllegalArgumentException e) {
            err.println("grade stage1: " + e.getMessage());
            return 1;
        }
        if (data.unknownTypeLabels() > 0 || data.lateLabels() > 0) {
            err.printf("grade stage1: %d labels of a type no task maps (--feedback-tasks) and %d after their task's "
                    + "attribution window were not used, as the job would not use them%n", data.unknownTypeLabels(),
                    data.lateLabels());
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, EventCodec.policySnapshots().encode(r.snapshot()));
        Map<String, Object> m = figures(r, log.size(), bad[0], data);
        err.printf("grade stage1: %d requests (%d bad rows), trained on %d, held out %d (%d with feedback): "
                        + "R_post stage1 %.4f, uniform %.4f, best static %.4f, logged %.4f; wrote %s%n",
                log.size(), bad[0], r.trainRequests(), r.heldOutRequests(), r.evaluatedRequests(), r.stage1Post(),
                r.uniformPost(), r.bestStaticPost(), r.loggedPost(), out);
        commandSpec.commandLine().getOut().println(SummaryJson.render(m));
        commandSpec.commandLine().getOut().flush();
        err.flush();
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, m);
        }
        return 0;
    }

    static Map<String, Object> figures(LogStageOne.Result r, int requests, long badRows, LogStageOne.Labelled data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests);
        m.put("bad_rows", badRows);
        m.put("train_requests", r.trainRequests());
        m.put("held_out_requests", r.heldOutRequests());
        m.put("evaluated_requests", r.evaluatedRequests());
        m.put("stage1_reward", r.stage1Post());
        m.put("uniform_reward", r.uniformPost());
        m.put("best_static_reward", r.bestStaticPost());
        m.put("best_static_weights", Arrays.toString(r.bestStatic()));
        m.put("logged_reward", r.loggedPost());
        m.put("lift_over_uniform", r.stage1Post() / r.uniformPost() - 1);
        m.put("sp_first_epoch_loss", r.epochLoss()[0]);
        m.put("sp_last_epoch_loss", r.epochLoss()[r.epochLoss().length - 1]);
        m.put("unknown_type_labels", data.unknownTypeLabels());
        m.put("late_labels", data.lateLabels());
        m.put("model_id", r.snapshot().getModelId());
        m.put("version", r.snapshot().getVersion());
        m.put("trained_through", r.snapshot().getTrainedThrough().toString());
        return m;
    }
}
