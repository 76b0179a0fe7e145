package io.grade.jobs.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * Command-line flags ({@code --impressions-topic x}, {@code --key=value}, a bare {@code --bounded}
 * meaning true) to a Flink {@link Configuration} of {@link GradeOptions}. Unlike ParameterTool it
 * rejects unknown flags, so a typo fails at start-up instead of silently running on a default, and
 * a flag given twice, except {@code --kafka-property}, which is repeatable.
 */
public final class CommandLine {

    /** Flags that may be given more than once; their values are joined with {@link #REPEAT_SEPARATOR}. */
    static final Set<String> REPEATABLE = Set.of(GradeOptions.KAFKA_PROPERTY.key());
    /** Joins the values of a repeated flag (a line break: no command-line value holds one). */
    public static final String REPEAT_SEPARATOR = "\n";

    private CommandLine() {}

    /** Parses and validates the flags; the exception message names the bad flag or option. */
    public static GradeConfig parse(String[] args) {
        return GradeConfig.from(toConfiguration(toMap(args)));
    }

    /** Flags to a key -> value map (no validation of the values yet). */
    public static Map<String, String> toMap(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("expected a flag like --impressions-topic, got '" + arg + "'");
            }
            String key = arg.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            if (REPEATABLE.contains(key) && out.containsKey(key)) {
                out.put(key, out.get(key) + REPEAT_SEPARATOR + value);
                continue;
            }
            if (out.put(key, value) != null) {
                throw new IllegalArgumentException("option '--" + key + "' is given twice");
            }
        }
        return out;
    }

    /** A configuration holding the given options; unknown keys are rejected. */
    public static Configuration toConfiguration(Map<String, String> options) {
        Set<String> known = java.util.stream.Stream.concat(GradeOptions.all().stream(), LearnerOptions.all().stream())
                .map(ConfigOption::key).collect(Collectors.toSet());
        for (String key : options.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("option '--" + key + "' is unknown; known options: "
                        + known.stream().sorted().collect(Collectors.joining(", ")));
            }
        }
        return Configuration.fromMap(options);
    }
}
