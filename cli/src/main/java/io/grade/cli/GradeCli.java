package io.grade.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code grade} launcher: one picocli entry point for every command of the product. */
@Command(
        name = "grade",
        mixinStandardHelpOptions = true,
        versionProvider = GradeCli.Version.class,
        description = "Streaming learner of personalised multi-task fusion weights (GRADE) on Flink and Kafka.",
        subcommands = {DemoCommand.class, GenerateCommand.class, ClusterCommand.class, BenchCommand.class, ExperimentCommand.class, KeysCommand.class, PolicyCommand.class, CommandLine.HelpCommand.class})
public final class GradeCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests execute it in-process. */
    public static CommandLine commandLine() {
        return new CommandLine(new GradeCli()).setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(GradeCli::usageError);
    }

    /**
     * A usage error (unknown or malformed flag, or a value a command rejects before starting
     * anything): the message naming the option, a pointer to --help, exit code 2. No stack trace,
     * no page of usage text.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        java.io.PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Version from the jar manifest, or the development version when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = GradeCli.class.getPackage().getImplementationVersion();
            return new String[] {"grade " + (v == null ? "development build" : v)};
        }
    }
}
