package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped sample log is what {@code grade export-log} writes at its defaults. */
class ExportLogCommandTest {

    static final Path SAMPLE = Path.of("..", "examples", "data", "sample-requests.jsonl");

    @Test
    void theDocumentedCommandShouldReproduceTheShippedSampleLog(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sample.jsonl");
        // the README's command with fewer requests: the rows are drawn in order, so they are the sample's first rows
        assertThat(GradeCli.commandLine().execute("export-log", "--out", out.toString(), "--requests", "50")).isZero();
        List<String> written = Files.readAllLines(out, StandardCharsets.UTF_8);
        List<String> shipped = Files.readAllLines(SAMPLE, StandardCharsets.UTF_8);
        assertThat(written).hasSize(50).isEqualTo(shipped.subList(0, 50));
        assertThat(shipped).hasSize(2000);
        assertThat(Files.size(SAMPLE)).isLessThan(4_000_000L);
    }
}
