package io.grade.cli;

import io.grade.cli.bench.ServingWeightsBenchmark;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade bench serving}: JMH latency of the serving client's weights() call. */
@Command(name = "serving", mixinStandardHelpOptions = true,
        description = "JMH benchmark of the serving client's weights(features) (target <= 1 us per call, one core, allocation-free).")
public final class BenchServingCommand implements Callable<Integer> {

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @Option(names = "--forks", defaultValue = "1", description = "JMH forks (default: ${DEFAULT-VALUE}).")
    int forks;

    @Option(names = "--iterations", defaultValue = "5", description = "Measured 1-second iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Override
    public Integer call() throws Exception {
        Options opts = new OptionsBuilder()
                .include(ServingWeightsBenchmark.class.getName() + ".weights")
                .forks(forks)
                .threads(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Xmx512m")
                .addProfiler(GCProfiler.class)
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        RunResult r = results.iterator().next();
        double nsPerCall = r.getPrimaryResult().getScore();
        double error = r.getPrimaryResult().getScoreError();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("serving_weights_ns_per_call", nsPerCall);
        figures.put("serving_weights_ns_error_99", error);
        figures.put("serving_weights_calls_per_s", 1e9 / nsPerCall);
        figures.put("serving_weights_alloc_bytes_per_call", allocatedBytesPerCall(r));
        figures.put("features", 32);
        BenchTarget.SERVING.judge(figures, true, System.out);
        System.out.println(SummaryJson.render(figures));
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, figures);
        }
        return 0;
    }

    /** JMH's GC profiler figure: heap bytes allocated per call (normalised allocation rate). */
    private static double allocatedBytesPerCall(RunResult r) {
        return r.getSecondaryResults().entrySet().stream()
                .filter(e -> e.getKey().endsWith("gc.alloc.rate.norm"))
                .mapToDouble(e -> e.getValue().getScore())
                .findFirst()
                .orElse(Double.NaN);
    }
}
