package io.grade.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code grade experiment ...}: offline experiments on the simulated world. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run an experiment; every experiment accepts --summary-json FILE.",
        subcommands = {ExperimentOfflineCommand.class})
public final class ExperimentCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
