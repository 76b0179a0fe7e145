package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** One duration convention for every command: seconds, 30s/5m/1h, and ISO-8601 where it was accepted. */
class DurationOptionTest {

    @ParameterizedTest
    @CsvSource({"300, 300000", "0, 0", "0.5, 500", "500ms, 500", "30s, 30000", "30 s, 30000", "5m, 300000",
        "5min, 300000", "1h, 3600000", "1.5h, 5400000", "2d, 172800000", "PT5M, 300000", "pt10s, 10000",
        "60S, 60000"})
    void shouldAcceptSecondsUnitsAndIso(String text, long millis) {
        assertThat(DurationOption.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource({"-5", "5 minutes", "5x", "PT", "P-1D", "''", "1h30m"})
    void shouldRefuseAnythingElseListingTheForms(String text) {
        assertThatThrownBy(() -> DurationOption.parse(text)).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("is not a duration").hasMessageContaining("Seconds (300) or 500ms, 30s, 5m, 1h");
    }

    @Test
    void demoAndGenerateDurationsShouldMeanTheSameThing() {
        for (String value : List.of("300", "5m", "PT5M")) {
            DemoCommand demo = parse(DemoCommand.class, "demo", "--duration", value);
            GenerateCommand gen = parse(GenerateCommand.class, "generate", "--bootstrap-servers", "b:1", "--duration", value);
            assertThat(demo.duration).as("demo --duration %s", value).isEqualTo(Duration.ofMinutes(5));
            assertThat(gen.duration).as("generate --duration %s", value).isEqualTo(Duration.ofMinutes(5));
        }
        assertThat(parse(DemoCommand.class, "demo").duration).isZero();
        assertThat(parse(DemoCommand.class, "demo").progressEvery).isEqualTo(Duration.ofSeconds(5));
        assertThat(parse(GenerateCommand.class, "generate", "--bootstrap-servers", "b:1").sessionGap)
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aBadDurationShouldFailNamingTheOption() {
        assertThatThrownBy(() -> GradeCli.commandLine().parseArgs("demo", "--duration", "5 minutes"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--duration").hasMessageContaining("'5 minutes' is not a duration");
    }

    @Test
    void everyDurationOptionOfEveryCommandShouldUseTheOneConverter() {
        List<String> durationOptions = new ArrayList<>();
        collect(GradeCli.commandLine().getCommandSpec(), durationOptions);
        assertThat(durationOptions).as("Duration options found")
                .contains("demo --duration", "demo --progress-every", "generate --duration", "cluster stop --grace");
        CommandLine cli = GradeCli.commandLine();
        List<String> wrong = new ArrayList<>();
        check(cli.getCommandSpec(), wrong);
        assertThat(wrong).as("Duration options without DurationOption.Converter").isEmpty();
    }

    private static void collect(CommandSpec spec, List<String> out) {
        for (OptionSpec o : spec.options()) {
            if (o.type() == Duration.class) {
                out.add(spec.qualifiedName(" ").replaceFirst("^\\S+ ", "") + " " + o.longestName());
            }
        }
        spec.subcommands().values().forEach(sub -> collect(sub.getCommandSpec(), out));
    }

    private static void check(CommandSpec spec, List<String> wrong) {
        for (OptionSpec o : spec.options()) {
            boolean ours = o.converters() != null
                    && Arrays.stream(o.converters()).anyMatch(c -> c instanceof DurationOption.Converter);
            if (o.type() == Duration.class && !ours) {
                wrong.add(spec.qualifiedName(" ") + " " + o.longestName());
            }
        }
        spec.subcommands().values().forEach(sub -> check(sub.getCommandSpec(), wrong));
    }

    private static <T> T parse(Class<T> type, String... args) {
        CommandLine.ParseResult r = GradeCli.commandLine().parseArgs(args);
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return type.cast(r.commandSpec().userObject());
    }
}
