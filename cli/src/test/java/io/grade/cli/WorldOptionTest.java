package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.config.CommandLine;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.LearnerConfig;
import io.grade.simulator.LatentWorldConfig;
import io.grade.simulator.WorldConfig;
import io.grade.simulator.Worlds;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --world} of demo, generate and experiment offline, and the job flags that match a world. */
class WorldOptionTest {

    @Test
    void everyCommandShouldTakeTheWorldAndDefaultToTheArchetypes() {
        DemoCommand demo = parse(DemoCommand.class, "demo");
        assertThat(demo.world).isEqualTo("archetypes");
        demo = parse(DemoCommand.class, "demo", "--world", "latent");
        assertThat(demo.world).isEqualTo("latent");
        GenerateCommand gen = parse(GenerateCommand.class, "generate", "--bootstrap-servers", "b:1", "--world",
                "latent", "--users", "500");
        assertThat(gen.world).isEqualTo("latent");
        assertThat(GenerateCommand.worldSpec(gen.world, gen.users, gen.items))
                .isEqualTo(LatentWorldConfig.defaults().withUsers(500));
        ExperimentOfflineCommand exp = parse(ExperimentOfflineCommand.class, "experiment", "offline", "--world",
                "latent", "--ceiling-fit-requests", "700");
        assertThat(exp.world).isEqualTo("latent");
        assertThat(exp.ceilingFitRequests).isEqualTo(700);
    }

    @Test
    void anUnknownWorldShouldFailWithTheKnownWorlds() {
        for (String[] args : List.of(new String[] {"demo", "--world", "mars"},
                new String[] {"generate", "--bootstrap-servers", "b:1", "--world", "mars"},
                new String[] {"experiment", "offline", "--world", "mars"})) {
            picocli.CommandLine cli = GradeCli.commandLine();
            StringWriter err = new StringWriter();
            cli.setErr(new PrintWriter(err));
            assertThat(cli.execute(args)).isEqualTo(2);
            assertThat(err.toString()).contains("--world", "unknown world 'mars'", "archetypes, latent");
        }
    }

    @Test
    void theDemosJobFlagsShouldMatchTheWorldsTasksAndFeatures() {
        GradeConfig latent = CommandLine.parse(DemoCommand.jobArgs("localhost:1", 3, Worlds.spec("latent"))
                .toArray(String[]::new));
        assertThat(latent.featureDim()).isEqualTo(24);
        assertThat(latent.taskNames()).containsExactly("ctr", "cvr", "gpm");
        assertThat(WorldOption.jobArgs(LatentWorldConfig.defaults())).containsExactly("--tasks", "ctr;cvr;gpm",
                "--feedback-tasks", "click:ctr,order:cvr,gmv:gpm", "--binary-tasks", "ctr;cvr", "--feature-dim", "24");
        GradeConfig archetypes = CommandLine.parse(DemoCommand.jobArgs("localhost:1", 3, WorldConfig.defaults())
                .toArray(String[]::new));
        assertThat(archetypes.featureDim()).isEqualTo(32);
        assertThat(archetypes.taskNames()).containsExactly("ctr", "cvr", "opm", "gpm");
        // the learner accepts them too (its options are validated against the join's)
        assertThat(LearnerConfig.from(CommandLine.toConfiguration(CommandLine.toMap(
                DemoCommand.jobArgs("localhost:1", 3, Worlds.spec("latent")).toArray(String[]::new))), latent))
                .isNotNull();
    }

    @Test
    void offlineExperimentShouldPrintAndWriteTheCeilingOfTheLatentWorld(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("offline.json");
        int code = GradeCli.commandLine().execute("experiment", "offline", "--world", "latent", "--users", "300",
                "--items", "300", "--train-requests", "300", "--test-requests", "40", "--sp-epochs", "1",
                "--grpo-updates", "3", "--grpo-batch-size", "32", "--summary-json", json.toString());
        assertThat(code).isZero();
        assertThat(Files.readString(json)).contains("\"world\": \"latent\"", "\"ceiling_gap_closed\": ",
                "\"ceiling\": ", "\"best_static_weight_gpm\": ");
    }

    private static <T> T parse(Class<T> type, String... args) {
        picocli.CommandLine.ParseResult r = GradeCli.commandLine().parseArgs(args);
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return type.cast(r.commandSpec().userObject());
    }
}
