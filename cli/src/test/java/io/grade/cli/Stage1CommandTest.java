package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.model.policy.PolicySnapshots;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code grade stage1} on the shipped sample: the snapshot the job reads, and the flags it refuses. */
class Stage1CommandTest {

    static final Path SAMPLE = ExportLogCommandTest.SAMPLE;

    @Test
    void shouldWriteVersionOneForTheJobsArchitectureAndBeatEqualWeightsOnTheHeldOutRequests(@TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("stage1.snapshot");
        Path summary = dir.resolve("stage1.json");
        assertThat(run("stage1", "--input", SAMPLE.toString(), "--out", out.toString(), "--summary-json",
                summary.toString(), "--epochs", "5", "--job-arg=--model-id=shop", "--job-arg=--hidden=16")).isZero();
        DecodeResult<PolicySnapshot> d = EventCodec.policySnapshots().decode(Files.readAllBytes(out));
        assertThat(d.isOk()).isTrue();
        PolicySnapshot s = d.value();
        assertThat(s.getVersion()).isEqualTo(1);
        assertThat(s.getModelId()).isEqualTo("shop");
        assertThat(s.getHidden()).isEqualTo(16);
        assertThat(s.getTaskNames()).containsExactly("ctr", "cvr", "opm", "gpm");
        assertThat(s.getFeatureDim()).isEqualTo(32);
        assertThat(PolicySnapshots.forward(s)).isNotNull();
        String json = Files.readString(summary);
        assertThat(json).contains("\"requests\": 2000", "\"train_requests\": 1600", "\"held_out_requests\": 400");
        double stage1 = Double.parseDouble(json.replaceAll(".*\"stage1_reward\": ([0-9.]+).*", "$1").trim());
        double uniform = Double.parseDouble(json.replaceAll(".*\"uniform_reward\": ([0-9.]+).*", "$1").trim());
        assertThat(stage1).isGreaterThan(uniform);
    }

    @Test
    void shouldRefuseALogThatDoesNotFitTheJobsFlagsNamingTheOption(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        assertThat(run(err, "stage1", "--input", SAMPLE.toString(), "--out", dir.resolve("s").toString(),
                "--job-arg=--feature-dim=8")).isEqualTo(1);
        assertThat(err.toString()).contains("features; the job's --feature-dim is 8");
        assertThat(Files.exists(dir.resolve("s"))).isFalse();

        err = new StringWriter();
        assertThat(run(err, "stage1", "--input", SAMPLE.toString(), "--out", dir.resolve("s").toString(),
                "--holdout-share", "1.5")).isEqualTo(2);
        assertThat(err.toString()).contains("--holdout-share must be in (0, 1)");

        err = new StringWriter();
        assertThat(run(err, "stage1", "--input", SAMPLE.toString(), "--out", dir.resolve("s").toString(),
                "--job-arg=--no-such-flag=1")).isEqualTo(2);
        assertThat(err.toString()).contains("'--no-such-flag' is unknown");
    }

    private static int run(String... args) {
        return run(new StringWriter(), args);
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = GradeCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }
}
