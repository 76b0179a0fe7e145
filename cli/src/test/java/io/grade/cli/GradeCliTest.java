package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GradeCliTest {

    @Test
    void helpShouldListTheCommands() {
        CommandLine cli = GradeCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("--help");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("Usage: grade", "bench", "experiment");
    }

    @Test
    void unknownCommandShouldFailWithUsage() {
        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("no-such-command")).isNotZero();
        assertThat(err.toString()).contains("no-such-command");
    }

    @Test
    void benchJoinShouldDefaultToTheSteadyWorkloadAndAcceptBurst() {
        CommandLine cli = GradeCli.commandLine();
        BenchJoinCommand join = cli.parseArgs("bench", "join").subcommand().subcommand().commandSpec()
                .commandLine().getCommand();
        assertThat(join.workload).isEqualTo(io.grade.cli.bench.JoinBenchmark.WorkloadShape.STEADY);
        cli = GradeCli.commandLine();
        join = cli.parseArgs("bench", "join", "--workload", "burst").subcommand().subcommand().commandSpec()
                .commandLine().getCommand();
        assertThat(join.workload).isEqualTo(io.grade.cli.bench.JoinBenchmark.WorkloadShape.BURST);
    }

    @Test
    void generateShouldParseMalformedKindsAndRejectAnUnknownOneNamingTheOption() {
        CommandLine cli = GradeCli.commandLine();
        GenerateCommand generate = cli.parseArgs("generate", "--bootstrap-servers", "localhost:9092",
                        "--malformed-kinds", "length-bomb,TOMBSTONE")
                .subcommand().commandSpec().commandLine().getCommand();
        assertThat(generate.malformedKinds).containsExactlyInAnyOrder(
                io.grade.generator.MalformedKind.LENGTH_BOMB, io.grade.generator.MalformedKind.TOMBSTONE);
        cli = GradeCli.commandLine();
        generate = cli.parseArgs("generate", "--bootstrap-servers", "localhost:9092").subcommand().commandSpec().commandLine().getCommand();
        assertThat(generate.malformedKinds).hasSize(io.grade.generator.MalformedKind.values().length);

        cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("generate", "--bootstrap-servers", "localhost:9092",
                "--malformed-kinds", "tombstone,bogus")).isEqualTo(2);
        assertThat(err.toString()).contains("--malformed-kinds", "bogus", "LENGTH_BOMB").doesNotContain("\tat ");
    }

    @Test
    void generateShouldTakeKafkaPropertiesAsTheJobDoes(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        CommandLine cli = GradeCli.commandLine();
        GenerateCommand generate = cli.parseArgs("generate", "--bootstrap-servers", "localhost:9092",
                        "--kafka-properties", file.toString(), "--kafka-property", "sasl.mechanism=PLAIN",
                        "--kafka-property", "sasl.jaas.config=x required;")
                .subcommand().commandSpec().commandLine().getCommand();
        assertThat(generate.config().kafkaProperties()).containsOnly(Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "PLAIN"), Map.entry("sasl.jaas.config", "x required;"));

        cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("generate", "--bootstrap-servers", "localhost:9092",
                "--kafka-property", "enable.idempotence=false")).isEqualTo(2);
        assertThat(err.toString()).contains("'enable.idempotence'").doesNotContain("\tat ");
    }

    @Test
    void benchJoinShouldRejectAnUnknownWorkloadNamingTheOption() {
        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("bench", "join", "--workload", "ramp")).isEqualTo(2);
        assertThat(err.toString()).contains("--workload", "ramp", "steady, burst");
    }

    @Test
    void benchJoinShouldRejectFewerThanOneWarmupOrRunNamingTheOption() {
        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("bench", "join", "--max-warmups", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-warmups", "0");
        assertThat(cli.execute("bench", "join", "--runs", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--runs must be at least 1, got 0");
    }

    @Test
    void offlineExperimentShouldPassTheRewardOptionsThroughToItsSummary(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("offline.json");
        int code = GradeCli.commandLine().execute("experiment", "offline", "--users", "300", "--items", "300",
                "--train-requests", "300", "--test-requests", "40", "--sp-epochs", "1", "--grpo-updates", "3",
                "--grpo-batch-size", "32", "--lambda-prior", "0.1", "--format-lower-bound", "0.02",
                "--summary-json", json.toString());
        assertThat(code).isZero();
        assertThat(Files.readString(json)).contains("\"lambda_prior\": 0.1", "\"lambda_format\": 0.05",
                "\"format_lower_bound\": 0.02", "\"grade\": ");
    }

    @Test
    void summaryJsonShouldBeOneFlatObject() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events_per_s", 1234.5);
        m.put("count", 7L);
        m.put("name", "a \"b\"");
        m.put("nan", Double.NaN);
        assertThat(SummaryJson.render(m))
                .isEqualTo("{\"events_per_s\": 1234.5, \"count\": 7, \"name\": \"a \\\"b\\\"\", \"nan\": null}");
    }

    @Test
    void keysGenerateShouldWriteAPairThatSignsAndVerifiesAndNeverOverwrite(@TempDir Path dir) throws Exception {
        Path priv = dir.resolve("policy.key");
        Path pub = dir.resolve("policy.pub");
        CommandLine cli = GradeCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("keys", "generate", "--private", priv.toString(), "--public", pub.toString())).isZero();
        assertThat(out.toString()).contains("--signing-key-file " + priv);
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)))
                    .isEqualTo("rw-------");
        }
        var privateKey = io.grade.model.policy.PolicyKeys.readPrivateKey(priv);
        var publicKey = io.grade.model.policy.PolicyKeys.readPublicKey(pub);
        java.security.Signature sig = java.security.Signature.getInstance("Ed25519");
        sig.initSign(privateKey);
        sig.update(new byte[] {1, 2, 3});
        byte[] signature = sig.sign();
        sig.initVerify(publicKey);
        sig.update(new byte[] {1, 2, 3});
        assertThat(sig.verify(signature)).isTrue();

        String before = Files.readString(priv);
        CommandLine again = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        again.setErr(new PrintWriter(err));
        assertThat(again.execute("keys", "generate", "--private", priv.toString(), "--public",
                dir.resolve("other.pub").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("cannot write " + priv, "already exists");
        assertThat(Files.readString(priv)).isEqualTo(before);
        assertThat(dir.resolve("other.pub")).doesNotExist();
    }
}
