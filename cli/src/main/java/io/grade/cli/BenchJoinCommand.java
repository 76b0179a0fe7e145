package io.grade.cli;

import io.grade.cli.bench.JoinBenchmark;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade bench join}: the session join against a bare Kafka consume+decode of the same events. */
@Command(name = "join", mixinStandardHelpOptions = true,
        description = "Produce N impressions (50 candidates, 4 tasks, 32 features) and their feedback into an embedded "
                + "broker, then measure a bare consume+decode and the join job (RocksDB, checkpointing, 2 slots) in one run.")
public final class BenchJoinCommand implements Callable<Integer> {

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @Option(names = "--impressions", defaultValue = "20000", description = "Impressions to produce (default: ${DEFAULT-VALUE}).")
    int impressions;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the events (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> figures = JoinBenchmark.run(impressions, seed);
        System.out.println(SummaryJson.render(figures));
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, figures);
        }
        return 0;
    }
}
