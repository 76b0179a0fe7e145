package io.grade.cli;

import io.grade.core.bench.LearnerBenchmark;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade bench learner}: single-thread throughput of full GRPO steps. */
@Command(name = "learner", mixinStandardHelpOptions = true,
        description = "Single-thread throughput of full GRPO steps (sampling, re-ranking, rewards, gradient, Adam) "
                + "at G=20, 50 candidates, 4 tasks, 32 features, B=256.")
public final class BenchLearnerCommand implements Callable<Integer> {

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @Option(names = "--warmup-steps", defaultValue = "100",
            description = "Unmeasured steps first, so the JIT has compiled the hot paths (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--steps", defaultValue = "300", description = "Measured steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic requests and the learner.")
    long seed;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> figures = LearnerBenchmark.run(warmupSteps, steps, seed);
        BenchTarget.LEARNER.judge(figures, true, System.out);
        System.out.println(SummaryJson.render(figures));
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, figures);
        }
        return 0;
    }
}
