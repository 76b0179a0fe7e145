package io.grade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's serving snippet (section "## Serving client", its first java block) is the tested
 * example, line for line: the lines of {@link RankingService} between the readme-serving markers,
 * common indentation removed. On a difference, paste {@link #excerpt} into the README.
 */
class ReadmeExcerptTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path README = MODULE.resolve("../../README.md").normalize();
    private static final Path SOURCE = MODULE.resolve("src/main/java/io/grade/examples/RankingService.java");

    @Test
    void readmeServingSnippetShouldBeTheExcerptOfTheExample() throws IOException {
        assertThat(readmeSnippet(Files.readAllLines(README)))
                .as("README.md '## Serving client' java block vs %s", SOURCE)
                .containsExactlyElementsOf(excerpt(Files.readAllLines(SOURCE)));
    }

    /** The lines strictly between the markers, less their common leading whitespace. */
    static List<String> excerpt(List<String> source) {
        int start = indexOf(source, "// [readme-serving-start]", 0);
        int end = indexOf(source, "// [readme-serving-end]", start + 1);
        List<String> lines = source.subList(start + 1, end);
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
    }

    /** The body of the first java fence after the "## Serving client" heading. */
    static List<String> readmeSnippet(List<String> readme) {
        int section = indexOf(readme, "## Serving client", 0);
        int open = indexOf(readme, "```java", section + 1);
        int close = indexOf(readme, "```", open + 1);
        return readme.subList(open + 1, close);
    }

    private static int indexOf(List<String> lines, String line, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(line)) {
                return i;
            }
        }
        throw new AssertionError("no line '" + line + "' after line " + from);
    }
}
