package io.grade.cli;

import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.generator.GeneratorStats;
import io.grade.generator.MalformedKind;
import io.grade.simulator.WorldSpec;
import io.grade.simulator.Worlds;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade generate}: the simulated world as Kafka producers, closed loop through the serving client. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Produces impressions and delayed feedback of the simulated world to Kafka; each request is "
                + "ranked with the newest policy on the policy topic (static weights until one arrives).",
            "Runs until --duration or --max-requests is reached, or until interrupted.",
            "The job must read the world's tasks and features: --world archetypes matches the job's defaults; "
                    + "--world latent needs the job flags --tasks 'ctr;cvr;gpm' --feedback-tasks "
                    + "click:ctr,order:cvr,gmv:gpm --binary-tasks 'ctr;cvr' --feature-dim 24 (printed at start)."})
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers, host:port[,...].")
    String bootstrapServers;

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka = new KafkaClientOptions();

    @Option(names = "--impressions-topic", defaultValue = GeneratorConfig.DEFAULT_IMPRESSIONS_TOPIC,
            description = "Impressions topic (default: ${DEFAULT-VALUE}).")
    String impressionsTopic;

    @Option(names = "--feedback-topic", defaultValue = GeneratorConfig.DEFAULT_FEEDBACK_TOPIC,
            description = "Feedback topic (default: ${DEFAULT-VALUE}).")
    String feedbackTopic;

    @Option(names = "--policy-topic", defaultValue = GeneratorConfig.DEFAULT_POLICY_TOPIC,
            description = "Policy topic the serving client follows (default: ${DEFAULT-VALUE}).")
    String policyTopic;

    @Option(names = "--model-id", defaultValue = GeneratorConfig.DEFAULT_MODEL_ID,
            description = "Policy model id (default: ${DEFAULT-VALUE}).")
    String modelId;

    @Option(names = "--rate", defaultValue = "200", description = "Requests per wall-clock second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--speedup", defaultValue = "60",
            description = "Event-time ms per wall ms; 60 = one simulated hour per wall minute (default: ${DEFAULT-VALUE}).")
    double speedup;

    @Option(names = "--duration", description = "Wall time to run (default: no limit). " + DurationOption.FORMS,
            converter = DurationOption.Converter.class)
    Duration duration;

    @Option(names = "--max-requests", defaultValue = "0", description = "Requests to generate; 0 = no limit (default: ${DEFAULT-VALUE}).")
    long maxRequests;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--world-seed", defaultValue = "1", description = "Seed of the simulated world (default: ${DEFAULT-VALUE}).")
    long worldSeed;

    @Option(names = "--world", defaultValue = Worlds.DEFAULT, converter = WorldOption.Converter.class,
            description = WorldOption.DESCRIPTION)
    String world;

    @Option(names = "--users", description = "Users in the world (default: the world's, 10000).")
    Integer users;

    @Option(names = "--items", description = "Items in the catalogue (default: the world's, 5000).")
    Integer items;

    @Option(names = "--start-event-time", description = "Event time of the first request, ISO-8601 (default: now).")
    Instant startEventTime;

    @Option(names = "--explore", defaultValue = "false",
            description = "Serving-side Dirichlet exploration around pi(x) (default: ${DEFAULT-VALUE}).")
    boolean explore;

    @Option(names = "--static-weights", split = ",", description = "Static default weights, one per task (default: uniform).")
    double[] staticWeights;

    @Option(names = "--session-requests", defaultValue = "4",
            description = "Mean requests per user session (default: ${DEFAULT-VALUE}).")
    double sessionRequests;

    @Option(names = "--session-gap", defaultValue = "2m", converter = DurationOption.Converter.class,
            description = "Mean event-time gap between a session's requests (default: ${DEFAULT-VALUE}). " + DurationOption.FORMS)
    Duration sessionGap;

    @Option(names = "--malformed-rate", defaultValue = "0",
            description = "Share of events followed by a malformed record, for the dead-letter topic (default: ${DEFAULT-VALUE}).")
    double malformedRate;

    @Option(names = "--malformed-kinds", defaultValue = "all", converter = MalformedKindsConverter.class,
            description = "Comma-separated kinds of malformed records to draw from, e.g. length-bomb,tombstone,"
                    + "far-future-time; 'all' = every kind (README: Bad input) (default: ${DEFAULT-VALUE}).")
    Set<MalformedKind> malformedKinds;

    @Option(names = "--oracle-every", defaultValue = "1",
            description = "Solve the oracle on every k-th request (about 0.6 ms each); 0 = never (default: ${DEFAULT-VALUE}).")
    int oracleEvery;

    @Option(names = "--drain-feedback", defaultValue = "true", negatable = true,
            description = "At the end of a bounded run, produce the pending feedback at once (default: ${DEFAULT-VALUE}).")
    boolean drainFeedback;

    @Option(names = "--policy-warm-up", defaultValue = "10s", converter = DurationOption.Converter.class,
            description = "How long to wait for the policy topic to be read before serving (default: ${DEFAULT-VALUE}). "
                    + DurationOption.FORMS)
    Duration policyWarmUp;

    @Option(names = "--progress-every", defaultValue = "5s", converter = DurationOption.Converter.class,
            description = "Interval of the one-line progress on stderr; 0 = none (default: ${DEFAULT-VALUE}). " + DurationOption.FORMS)
    Duration progressEvery;

    @picocli.CommandLine.Mixin
    HoldoutOptions holdout = new HoldoutOptions();

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    /** The generator's configuration from the flags; IllegalArgumentException names the bad flag. */
    GeneratorConfig config() {
        return config(worldSpec(world, users, items));
    }

    private GeneratorConfig config(WorldSpec spec) {
        GeneratorConfig.Builder b = holdout.applyTo(GeneratorConfig.builder(bootstrapServers))
                .impressionsTopic(impressionsTopic).feedbackTopic(feedbackTopic).policyTopic(policyTopic)
                .modelId(modelId).rate(rate).speedup(speedup).duration(duration).maxRequests(maxRequests)
                .seed(seed).worldSeed(worldSeed).world(spec).startEventTime(startEventTime)
                .explore(explore).sessionRequestsMean(sessionRequests).sessionGapMean(sessionGap)
                .malformedRate(malformedRate)
                .malformedKinds(malformedKinds).oracleEvery(oracleEvery).drainFeedback(drainFeedback)
                .policyWarmUp(policyWarmUp)
                .kafkaProperties(kafka.merged());
        if (staticWeights != null) {
            b.staticWeights(staticWeights);
        }
        return b.build();
    }

    @Override
    public Integer call() throws Exception {
        GeneratorConfig config;
        WorldSpec spec;
        try {
            spec = worldSpec(world, users, items);
            config = config(spec);
        } catch (IllegalArgumentException e) {
            // a semantic error of the flags: one line naming the option, exit code 2 (as a usage error)
            String m = String.valueOf(e.getMessage());
            throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(),
                    m.startsWith("users ") || m.startsWith("items ") ? "--" + m : m);
        }
        PrintStream err = System.err;
        err.println("generate: world " + spec.name() + "; the job flags that match it: "
                + String.join(" ", WorldOption.jobArgs(spec)));
        try (EventGenerator generator = new EventGenerator(config)) {
            Thread hook = new Thread(generator::stop, "grade-generate-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            generator.start();
            long every = progressEvery.isZero() ? Long.MAX_VALUE : progressEvery.toMillis();
            while (!generator.awaitDone(Duration.ofMillis(Math.min(every, 1000L * 3600)))) {
                err.println(progressLine(generator.stats()));
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already stopping (Ctrl-C): the hook has stopped the generator
            }
            GeneratorStats s = generator.stats();
            err.println(progressLine(s));
            Map<String, Object> figures = summary(s);
            System.out.println(SummaryJson.render(figures));
            if (summaryJson != null) {
                SummaryJson.write(summaryJson, figures);
            }
            if (generator.failure() != null) {
                err.println("grade generate: failed: " + generator.failure());
                return 1;
            }
        }
        return 0;
    }

    /** The named world's recipe with the --users / --items overrides. */
    static WorldSpec worldSpec(String world, Integer users, Integer items) {
        WorldSpec spec = Worlds.spec(world);
        if (users != null) {
            spec = spec.withUsers(users);
        }
        if (items != null) {
            spec = spec.withItems(items);
        }
        return spec;
    }

    /** One line of progress: counts, throughput, clock, served vs static vs oracle. */
    static String progressLine(GeneratorStats s) {
        return String.format(Locale.ROOT,
                "generate: %d requests, %d feedback, %.0f events/s, event time %s, policy v%d, "
                        + "R_post served %.4f static %.4f oracle %.4f (last 20%%: served %.4f static %.4f), pending %d",
                s.requests(), s.feedbackEvents(), s.eventsPerSecond(), s.simulatedTime(), s.currentVersion(),
                s.overall().served(), s.overall().staticWeights(), s.overall().oracle(), s.last().served(),
                s.last().staticWeights(), s.pendingFeedback());
    }

    /** The flat figures of a run, for --summary-json. */
    static Map<String, Object> summary(GeneratorStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", s.requests());
        m.put("feedback_events", s.feedbackEvents());
        m.put("malformed_events", s.malformedEvents());
        s.malformedByKind().forEach((kind, n) -> {
            if (n > 0) {
                m.put("malformed_" + kind.name().toLowerCase(Locale.ROOT), n);
            }
        });
        m.put("events_produced", s.eventsProduced());
        m.put("pending_feedback", s.pendingFeedback());
        m.put("elapsed_s", s.elapsedSeconds());
        m.put("events_per_s", s.eventsPerSecond());
        m.put("requests_per_s", s.elapsedSeconds() > 0 ? s.requests() / s.elapsedSeconds() : Double.NaN);
        m.put("simulated_time", s.simulatedTime().toString());
        m.put("behind_schedule_ms", s.behindScheduleMillis());
        m.put("served_reward", s.overall().served());
        m.put("served_reward_first", s.first().served());
        m.put("served_reward_last", s.last().served());
        m.put("static_reward", s.overall().staticWeights());
        m.put("static_reward_first", s.first().staticWeights());
        m.put("static_reward_last", s.last().staticWeights());
        m.put("lift_over_static_last", s.last().liftOverStatic());
        m.put("control_requests", s.controlRequests());
        m.put("sim_lift_r_post", s.treatmentLearned().liftOverStatic());
        m.put("oracle_requests", s.overall().oracleRequests());
        m.put("oracle_reward", s.overall().oracle());
        m.put("oracle_reward_last", s.last().oracle());
        m.put("gap_closed_last", s.last().gapClosed());
        m.put("policy_versions_seen", s.policies().size());
        m.put("current_policy_version", s.currentVersion());
        m.put("policy_versions", s.policies().stream().map(p -> Long.toString(p.version()))
                .collect(Collectors.joining(",")));
        m.put("policy_freshness_ms_max", s.policies().stream()
                .mapToLong(GeneratorStats.PolicyArrival::freshnessMillis).max().orElse(-1));
        return m;
    }

    /** A comma-separated list of malformed kinds, or all; a usage error names the option and the kinds. */
    static final class MalformedKindsConverter implements picocli.CommandLine.ITypeConverter<Set<MalformedKind>> {
        @Override
        public Set<MalformedKind> convert(String value) {
            try {
                return MalformedKind.parse("--malformed-kinds", value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
