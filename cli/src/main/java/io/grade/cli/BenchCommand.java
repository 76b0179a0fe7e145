package io.grade.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code grade bench ...}: benchmarks that print their figures and write them as JSON ({@code --summary-json}). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run a benchmark; every benchmark accepts --summary-json FILE.",
        subcommands = {BenchJoinCommand.class, BenchLearnerCommand.class, BenchLearningCommand.class,
                BenchServingCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
