package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.config.CommandLine;
import io.grade.simulator.Worlds;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code grade bench learning}: its flags, the job flags it builds, and usage errors naming the option. */
class BenchLearningCommandTest {

    private static BenchLearningCommand parse(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "bench";
        all[1] = "learning";
        System.arraycopy(args, 0, all, 2, args.length);
        return GradeCli.commandLine().parseArgs(all).subcommand().subcommand().commandSpec().commandLine()
                .getCommand();
    }

    @Test
    void theDefaultsShouldBeIssue13sProtocolOnTheDefaultWorld() {
        BenchLearningCommand c = parse();
        assertThat(c.worlds).containsExactly("archetypes");
        assertThat(c.seeds).containsExactly(1L);
        assertThat(c.requests).isEqualTo(60000);
        assertThat(c.every).isEqualTo(5000);
        assertThat(c.extraJobArgs).isEmpty();
    }

    @Test
    void worldsSeedsAndJobFlagsShouldParseAndAJobFlagShouldReplaceTheDemosValue() {
        BenchLearningCommand c = parse("--world", "latent,archetypes", "--seeds", "1,2,3", "--requests", "10000",
                "--rate", "100", "--speedup", "60", "--job-arg=--lambda-prior=0", "--job-arg=--update-every=128");
        assertThat(c.worlds).containsExactly("latent", "archetypes");
        assertThat(c.seeds).containsExactly(1L, 2L, 3L);
        assertThat(c.requests).isEqualTo(10000);
        assertThat(c.rate).isEqualTo(100);
        assertThat(c.speedup).isEqualTo(60);
        List<String> args = BenchLearningCommand.jobArgs("localhost:1", 2, Worlds.spec("latent"), c.extraJobArgs);
        Map<String, String> flags = CommandLine.toMap(args.toArray(String[]::new));
        assertThat(flags).containsEntry("lambda-prior", "0").containsEntry("update-every", "128")
                .containsEntry("seed", "2").containsEntry("feature-dim", "24")
                .containsEntry("job-name", "grade-bench-learning");
        // the whole set is a valid job configuration
        assertThat(CommandLine.parse(args.toArray(String[]::new)).featureDim()).isEqualTo(24);
    }

    @Test
    void badValuesShouldFailBeforeAnythingStartsNamingTheOption() {
        assertUsageError(List.of("--every", "0"), "--every");
        assertUsageError(List.of("--requests", "4000"), "--every (5000) must not exceed --requests (4000)");
        assertUsageError(List.of("--rate", "0"), "--rate");
        assertUsageError(List.of("--world", "mars"), "unknown world 'mars'");
        assertUsageError(List.of("--job-arg=--no-such-flag=1"), "--job-arg", "no-such-flag");
        assertUsageError(List.of("--job-arg=--update-every=-3"), "--job-arg", "update-every");
    }

    private static void assertUsageError(List<String> args, String... messages) {
        picocli.CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.size() + 2];
        all[0] = "bench";
        all[1] = "learning";
        for (int i = 0; i < args.size(); i++) {
            all[i + 2] = args.get(i);
        }
        assertThat(cli.execute(all)).as(String.join(" ", args)).isEqualTo(2);
        assertThat(err.toString()).contains(messages);
    }
}
