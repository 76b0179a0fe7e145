package io.grade.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The README's job-option table names every option the job accepts, and only those. */
class ReadmeOptionsTest {

    private static final String HEADER = "| option | default | meaning |";

    @Test
    void theReadmeOptionTableShouldListEveryJobOptionAndNoOther() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf(HEADER);
        assertThat(start).as("the README has the job-option table").isNotNegative();
        int end = readme.indexOf("\n\n", start);
        Set<String> documented = new TreeSet<>();
        Pattern name = Pattern.compile("`([^`]+)`");
        for (String row : readme.substring(start, end).split("\n")) {
            String[] cols = row.split("\\|");
            if (cols.length < 2 || row.startsWith(HEADER) || row.startsWith("|---")) {
                continue;
            }
            Matcher m = name.matcher(cols[1]);
            while (m.find()) {
                documented.add(m.group(1));
            }
        }
        Set<String> options = new TreeSet<>();
        Stream.concat(GradeOptions.all().stream(), LearnerOptions.all().stream()).map(ConfigOption::key)
                .forEach(options::add);
        assertThat(options).as("options missing from the README table").isSubsetOf(documented);
        assertThat(documented).as("README names options the job does not have").isSubsetOf(options);
    }
}
