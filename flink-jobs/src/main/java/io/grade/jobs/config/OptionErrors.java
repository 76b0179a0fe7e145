package io.grade.jobs.config;

import java.util.Comparator;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.configuration.ConfigOption;

/**
 * Messages of invalid options that name the flag the user typed. The model and learner classes
 * validate their own parameters and name them as Java does ({@code groupSize must be >= 2});
 * {@link #named} turns such a message into {@code option '--group-size' must be >= 2, got 1}.
 */
final class OptionErrors {

    private OptionErrors() {}

    /** The flag of an option, as on the command line. */
    static String flag(ConfigOption<?> option) {
        return "--" + option.key();
    }

    /** {@code option '--key'}: how every configuration message starts. */
    static String option(ConfigOption<?> option) {
        return "option '" + flag(option) + "'";
    }

    /**
     * Runs {@code build}; an {@link IllegalArgumentException} whose message starts with one of the
     * parameter names of {@code byParameter} is rethrown naming that parameter's flag instead, any
     * other one naming the whole {@code group}.
     */
    static <T> T named(String group, Map<String, ConfigOption<?>> byParameter, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            String parameter = byParameter.keySet().stream()
                    .filter(p -> m.startsWith(p + " "))
                    .max(Comparator.comparingInt(String::length)).orElse(null);
            if (parameter == null) {
                throw new IllegalArgumentException("invalid " + group + ": " + m, e);
            }
            throw new IllegalArgumentException(option(byParameter.get(parameter)) + m.substring(parameter.length()), e);
        }
    }
}
