package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Usage errors of {@code grade policy}: exit code 2 and one line naming the option, before Kafka is contacted. */
class PolicyCommandTest {

    /** Nothing listens here: a usage error must be reported before any connection attempt. */
    private static final String NOWHERE = "127.0.0.1:1";

    private record Run(int exit, String err) {}

    private static Run grade(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cmd = GradeCli.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cmd.execute(args), err.toString());
    }

    @Test
    void killSwitchShouldTakeOnlyOnOrOff() {
        Run r = grade("policy", "kill-switch", "maybe", "--bootstrap-servers", NOWHERE);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("'on' or 'off'").contains("maybe");
    }

    @Test
    void aMissingBootstrapServersOptionShouldBeNamed() {
        Run r = grade("policy", "list");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--bootstrap-servers");
    }

    @Test
    void aReservedKafkaPropertyShouldBeRefusedNamingIt() {
        Run r = grade("policy", "list", "--bootstrap-servers", NOWHERE, "--kafka-property", "isolation.level=read_uncommitted");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("isolation.level").contains("--kafka-property");
    }

    @Test
    void anUnreadableSigningKeyShouldBeNamedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("policy.key");
        Files.writeString(bad, "not a key");
        Run r = grade("policy", "pin", "3", "--bootstrap-servers", NOWHERE, "--signing-key-file", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--signing-key-file");
        Run both = grade("policy", "unpin", "--bootstrap-servers", NOWHERE, "--signing-key-file", bad.toString(),
                "--signing-key-env", "X");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
    }
}
