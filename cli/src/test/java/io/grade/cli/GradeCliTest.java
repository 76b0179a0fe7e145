package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
    void summaryJsonShouldBeOneFlatObject() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events_per_s", 1234.5);
        m.put("count", 7L);
        m.put("name", "a \"b\"");
        m.put("nan", Double.NaN);
        assertThat(SummaryJson.render(m))
                .isEqualTo("{\"events_per_s\": 1234.5, \"count\": 7, \"name\": \"a \\\"b\\\"\", \"nan\": null}");
    }
}
