package io.grade.cli;

import io.grade.cli.bench.JoinBenchmark;
import io.grade.cli.bench.JoinBenchmark.WorkloadShape;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code grade bench join}: the session join against a bare Kafka consume+decode of the same events. */
@Command(name = "join", mixinStandardHelpOptions = true,
        description = "Produce N impressions (50 candidates, 4 tasks, 32 features) and their feedback into an embedded "
                + "broker, then measure a bare consume+decode and the join job (RocksDB, checkpointing, 2 slots) in one run.")
public final class BenchJoinCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @Option(names = "--impressions", defaultValue = "50000", description = "Impressions to produce (default: ${DEFAULT-VALUE}).")
    int impressions;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the events (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--workload", defaultValue = "steady", converter = ShapeConverter.class, paramLabel = "steady|burst",
            description = "Shape of the events in event time (default: ${DEFAULT-VALUE}). steady: users (N / 20, "
                    + "20 requests a minute apart) arrive one every 0.48 s, so at most 2,500 are active at once and "
                    + "the request rate (2,500 a minute from N = 50,000) does not grow with N; a larger N runs longer. "
                    + "burst: every user active from the start, all N requests within 20 minutes (rate and join "
                    + "state grow with N; the original workload).")
    WorkloadShape workload;

    @Option(names = "--max-warmups", defaultValue = "" + JoinBenchmark.DEFAULT_MAX_WARMUPS,
            description = "Most warm-up repetitions of the decode and of the join job each (default: ${DEFAULT-VALUE}); "
                    + "each is repeated until a repetition spends under 25 %% of its wall time in the JIT compiler.")
    int maxWarmups;

    @Option(names = "--runs", defaultValue = "" + JoinBenchmark.DEFAULT_RUNS,
            description = "Measured decode passes and join runs after the warm-ups, alternating (default: "
                    + "${DEFAULT-VALUE}); the medians are reported, the ratio's range over the pairs too.")
    int runs;

    @Override
    public Integer call() throws Exception {
        if (maxWarmups < 1) {
            throw new ParameterException(spec.commandLine(), "--max-warmups must be at least 1, got " + maxWarmups);
        }
        if (runs < 1) {
            throw new ParameterException(spec.commandLine(), "--runs must be at least 1, got " + runs);
        }
        Map<String, Object> figures = JoinBenchmark.run(impressions, seed, workload, maxWarmups, runs);
        BenchTarget.JOIN.judge(figures, impressions == 50_000 && workload == WorkloadShape.STEADY, System.out);
        System.out.println(SummaryJson.render(figures));
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, figures);
        }
        return 0;
    }

    /** {@code steady} or {@code burst}, any case; anything else is a usage error naming the option. */
    static final class ShapeConverter implements ITypeConverter<WorkloadShape> {
        @Override
        public WorkloadShape convert(String value) {
            try {
                return WorkloadShape.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
