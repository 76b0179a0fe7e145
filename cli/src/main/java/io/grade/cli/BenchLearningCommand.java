package io.grade.cli;

import io.grade.cli.bench.LearningBenchmark;
import io.grade.cli.bench.LearningChart;
import io.grade.cli.bench.LearningCurve;
import io.grade.jobs.config.CommandLine;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.LearnerConfig;
import io.grade.simulator.WorldSpec;
import io.grade.simulator.Worlds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code grade bench learning}: the online learning-speed benchmark of issue 13 (embedded broker,
 * the job on a local Flink runtime, the closed-loop generator; gap_closed of the newest published
 * version on held-out requests every {@code --every} requests).
 */
@Command(name = "learning", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Feed the GRADE job (embedded Kafka broker and local Flink, as the demo) with the closed-loop "
                + "generator on each world and seed; every --every requests score the newest policy version on the "
                + "topic on held-out requests: gap_closed = (policy - best static) / (oracle - best static), beside "
                + "the world's item-agnostic ceiling_gap_closed.")
public final class BenchLearningCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--world", split = ",", defaultValue = Worlds.DEFAULT, converter = WorldOption.Converter.class,
            description = "Worlds, comma-separated: archetypes (4 tasks, 32 features) and/or latent (3 tasks, 24 "
                    + "features) (default: ${DEFAULT-VALUE}).")
    List<String> worlds;

    @Option(names = {"--seeds", "--seed"}, split = ",", defaultValue = "1",
            description = "Seeds, comma-separated, e.g. 1,2,3: each seeds the world, the traffic and the learner "
                    + "(default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--requests", defaultValue = "60000", description = "Requests per run (default: ${DEFAULT-VALUE}).")
    long requests;

    @Option(names = "--every", defaultValue = "5000", description = "Requests between checkpoints (default: ${DEFAULT-VALUE}).")
    long every;

    @Option(names = "--rate", defaultValue = "150", description = "Requests per wall second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--speedup", defaultValue = "30",
            description = "Simulated seconds per wall second (default: ${DEFAULT-VALUE}).")
    double speedup;

    @Option(names = "--held-out", defaultValue = "2000",
            description = "Held-out requests every version is scored on (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--ceiling-fit-requests", defaultValue = "20000",
            description = "Requests the best static vector and the item-agnostic ceiling are fitted on "
                    + "(default: ${DEFAULT-VALUE}).")
    int ceilingFit;

    @Option(names = "--parallelism", defaultValue = "2", description = "Job parallelism / task slots (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--job-arg", description = "A job flag, e.g. --job-arg=--lambda-prior=0 (repeatable); it "
            + "replaces the demo's value of the same flag.")
    List<String> extraJobArgs = new ArrayList<>();

    @Option(names = "--summary-json", description = "Write the figures and the curves as JSON to this file.")
    Path summaryJson;

    @Option(names = "--chart", description = "Write the curves per world as a PNG picture to this file.")
    Path chart;

    /**
     * The job flags of one run: the demo's for the world ({@link DemoCommand#jobArgs(String, long,
     * WorldSpec)}), its own job name, and the {@code --job-arg} flags, which replace a flag of the
     * same name.
     */
    static List<String> jobArgs(String bootstrapServers, long seed, WorldSpec world, List<String> extra) {
        Map<String, String> flags = new LinkedHashMap<>(CommandLine.toMap(
                DemoCommand.jobArgs(bootstrapServers, seed, world).toArray(String[]::new)));
        flags.put("job-name", "grade-bench-learning");
        flags.putAll(CommandLine.toMap(extra.toArray(String[]::new)));
        List<String> out = new ArrayList<>();
        flags.forEach((k, v) -> out.add("--" + k + "=" + v));
        return out;
    }

    /** Fails with a usage error naming the option when a value cannot make a run. */
    void validate() {
        positive("--requests", requests);
        positive("--every", every);
        if (every > requests) {
            throw new ParameterException(spec.commandLine(), "--every (" + every + ") must not exceed --requests ("
                    + requests + ")");
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new ParameterException(spec.commandLine(), "--rate must be > 0, got " + rate);
        }
        if (!(speedup > 0) || Double.isInfinite(speedup)) {
            throw new ParameterException(spec.commandLine(), "--speedup must be > 0, got " + speedup);
        }
        positive("--held-out", heldOut);
        positive("--ceiling-fit-requests", ceilingFit);
        positive("--parallelism", parallelism);
        for (String world : worlds) {
            try {
                Configuration conf = CommandLine.toConfiguration(CommandLine.toMap(
                        jobArgs("localhost:9092", seeds.get(0), Worlds.spec(world), extraJobArgs)
                                .toArray(String[]::new)));
                LearnerConfig.from(conf, GradeConfig.from(conf));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--job-arg: " + e.getMessage());
            }
        }
    }

    private void positive(String option, long v) {
        if (v < 1) {
            throw new ParameterException(spec.commandLine(), option + " must be at least 1, got " + v);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        List<String> extra = List.copyOf(extraJobArgs);
        LearningBenchmark.Settings settings = new LearningBenchmark.Settings(worlds, seeds, requests, every, rate,
                speedup, heldOut, ceilingFit, parallelism, (bs, seed, world) -> jobArgs(bs, seed, world, extra));
        LearningBenchmark.Outcome outcome = LearningBenchmark.run(settings, System.out);
        List<LearningCurve.Run> runs = outcome.runs();
        Map<String, Object> figures = summary(runs);
        figures.put("failures", outcome.failures());
        for (Map.Entry<String, List<LearningCurve.Band>> w : LearningCurve.bands(runs).entrySet()) {
            for (LearningCurve.Band b : w.getValue()) {
                System.out.printf(Locale.ROOT, "%s at %,d requests: gap_closed mean %+.3f (%+.3f .. %+.3f) over %d "
                        + "seeds%n", w.getKey(), b.requests(), b.mean(), b.min(), b.max(), b.seeds());
            }
        }
        for (LearningCurve.Run r : runs) {
            LearningCurve.VersionScore first = r.firstVersion();
            System.out.printf(Locale.ROOT, "%s seed %d: first version %s; ceiling_gap_closed %.3f%n", r.world(),
                    r.seed(), first == null ? "none arrived" : String.format(Locale.ROOT,
                            "v%d at %,d requests, gap_closed %+.3f", first.version(), first.requestsAtArrival(),
                            first.gapClosed()), r.ceiling().gapClosed());
        }
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, figures);
            System.out.println("summary JSON: " + summaryJson);
        }
        if (chart != null && !runs.isEmpty()) {
            LearningChart.write(chart, runs);
            System.out.println("chart: " + chart);
        }
        for (String failure : outcome.failures()) {
            System.err.println("grade bench learning: run failed: " + failure);
        }
        return outcome.failures().isEmpty() ? 0 : 1;
    }

    /** The summary JSON: the settings, then per run its figures and curve. */
    Map<String, Object> summary(List<LearningCurve.Run> runs) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("benchmark", "learning");
        f.put("worlds", String.join(",", worlds));
        f.put("seeds", seeds.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse(""));
        f.put("requests", requests);
        f.put("every", every);
        f.put("rate", rate);
        f.put("speedup", speedup);
        f.put("held_out_requests", heldOut);
        f.put("ceiling_fit_requests", ceilingFit);
        f.put("parallelism", parallelism);
        f.put("job_args", String.join(" ", extraJobArgs));
        Map<String, Object> bands = new LinkedHashMap<>();
        LearningCurve.bands(runs).forEach((world, list) -> bands.put(world, list.stream().map(b -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("requests", b.requests());
            m.put("gap_closed_mean", b.mean());
            m.put("gap_closed_min", b.min());
            m.put("gap_closed_max", b.max());
            return m;
        }).toList()));
        f.put("mean_curve", bands);
        f.put("runs", runs.stream().map(LearningCurve.Run::figures).toList());
        return f;
    }
}
