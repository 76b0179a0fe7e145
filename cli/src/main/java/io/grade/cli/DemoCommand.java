package io.grade.cli;

import io.grade.cli.demo.DemoFigures;
import io.grade.cli.demo.EmbeddedJob;
import io.grade.cli.demo.HoldoutFigures;
import io.grade.cli.demo.StartupSteps;
import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.generator.GeneratorStats;
import io.grade.jobs.GradeJob;
import io.grade.simulator.WorldSpec;
import io.grade.simulator.Worlds;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code grade demo}: the whole product on one machine. A real Kafka broker (KRaft, in-process), a
 * local Flink runtime with the web dashboard, the GRADE job (the same entry point as on a cluster)
 * and the closed-loop event generator; live progress on the console; clean stop after
 * {@code --duration} or Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the product locally: embedded Kafka broker, Flink with the dashboard on "
                + "http://localhost:8081, the GRADE job and the closed-loop event generator.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--duration", defaultValue = "0", converter = DurationOption.Converter.class,
            description = "How long to run; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE}). " + DurationOption.FORMS)
    Duration duration;

    @Option(names = "--web-port", defaultValue = "8081", description = "Port of the Flink dashboard (default: ${DEFAULT-VALUE}).")
    int webPort;

    @Option(names = "--rate", defaultValue = "150", description = "Requests per wall second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--speedup", defaultValue = "30",
            description = "Simulated seconds per wall second (default: ${DEFAULT-VALUE}).")
    double speedup;

    @Option(names = "--world", defaultValue = Worlds.DEFAULT, converter = WorldOption.Converter.class,
            description = WorldOption.DESCRIPTION + " The job gets the world's --tasks, --feedback-tasks, "
                    + "--binary-tasks and --feature-dim.")
    String world;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the traffic and the learner (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--parallelism", defaultValue = "2", description = "Job parallelism / task slots (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--progress-every", defaultValue = "5", converter = DurationOption.Converter.class,
            description = "Time between progress lines (default: ${DEFAULT-VALUE}). " + DurationOption.FORMS)
    Duration progressEvery;

    @picocli.CommandLine.Mixin
    HoldoutOptions holdout = new HoldoutOptions();

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @Option(names = "--job-arg", description = "Extra flag for the job, e.g. --job-arg=--publish-interval=10s (repeatable).")
    List<String> extraJobArgs = new ArrayList<>();

    /** The job flags the demo uses: the same flags a cluster submission takes (see README). */
    static List<String> jobArgs(String bootstrapServers, long seed) {
        return new ArrayList<>(List.of(
                "--bootstrap-servers", bootstrapServers,
                "--job-name", "grade-demo",
                "--checkpoint-interval", "5 s",
                "--transaction-timeout", "5 min",
                "--out-of-orderness", "30 s",
                "--idleness", "5 s",
                // The demo's event time runs at --speedup from the wall clock: measure the event-time
                // guard's max-event-time-ahead from the highest accepted event time instead.
                "--event-time-reference", "MAX_ACCEPTED",
                "--update-every", "256",
                "--update-interval", "10 s",
                "--publish-interval", "5 s",
                "--seed", String.valueOf(seed)));
    }

    /**
     * The demo's job flags for a world: {@link #jobArgs(String, long)} plus the world's tasks,
     * feedback types, binary tasks and feature dimension.
     */
    static List<String> jobArgs(String bootstrapServers, long seed, WorldSpec world) {
        List<String> args = jobArgs(bootstrapServers, seed);
        args.addAll(WorldOption.jobArgs(world));
        return args;
    }

    /**
     * Null when the dashboard port can be bound on this host; otherwise the one-line error the demo
     * prints instead of starting a broker and failing much later with a stack trace.
     */
    static String webPortProblem(int port) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(false);
            probe.bind(new java.net.InetSocketAddress(port));
            return null;
        } catch (java.io.IOException | IllegalArgumentException e) {
            return "grade demo: port " + port + " for the Flink dashboard is not free (" + e.getMessage()
                    + "); choose another with --web-port N";
        }
    }

    /** The online holdout's part of a progress line; "" while the dashboard has no figure yet. */
    private String holdoutProgress(GeneratorStats now, JobClient client) {
        try {
            return HoldoutFigures.progress(HoldoutFigures.read(webPort, client.getJobID()), now);
        } catch (Exception e) {
            return "";
        }
    }

    @Override
    public Integer call() throws Exception {
        String portProblem = webPortProblem(webPort);
        if (portProblem != null) {
            System.err.println(portProblem);
            return 2;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "grade-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Path work = Files.createTempDirectory("grade-demo-");
        StartupSteps steps = new StartupSteps("grade demo", System.err);
        steps.step("starting Kafka broker ...");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bs = broker.bootstrapServers();
            steps.step("Kafka broker started at %s", bs);
            WorldSpec spec = Worlds.spec(world);
            List<String> args = jobArgs(bs, seed, spec);
            args.addAll(extraJobArgs);
            try (EmbeddedJob running = EmbeddedJob.start(broker, args, parallelism, webPort,
                    work.resolve("checkpoints"), steps)) {
                GradeJob.Job job = running.job();
                JobClient client = running.client();
                System.err.printf("grade demo: Kafka at %s, Flink dashboard at http://localhost:%d, job %s, world %s%n",
                        bs, webPort, client.getJobID(), spec.name());

                GeneratorConfig gen = holdout.applyTo(GeneratorConfig.builder(bs))
                        .impressionsTopic(job.join().impressionsTopic())
                        .feedbackTopic(job.join().feedbackTopic())
                        .policyTopic(job.learner().policyTopic())
                        .modelId(job.learner().modelId())
                        .world(spec).rate(rate).speedup(speedup).seed(seed).worldSeed(seed)
                        .startEventTime(Instant.now())
                        .build();
                long t0 = System.nanoTime();
                try (EventGenerator generator = new EventGenerator(gen).start()) {
                    steps.step("generator started; waiting for the first policy version (static weights serve until then)");
                    Thread firstPolicy = steps.watchFirstPolicy(() -> generator.stats().currentVersion());
                    long deadline = duration.isZero() ? Long.MAX_VALUE : t0 + duration.toNanos();
                    while (System.nanoTime() < deadline && !generator.isDone()) {
                        long wait = Math.min(Math.max(progressEvery.toNanos(), 1), deadline - System.nanoTime());
                        if (stop.await(Math.max(wait, 1), TimeUnit.NANOSECONDS)) {
                            System.err.println("grade demo: stopping (Ctrl-C) ...");
                            break;
                        }
                        GeneratorStats now = generator.stats();
                        System.err.println(DemoFigures.progressLine(now, client) + holdoutProgress(now, client));
                        if (client.getJobStatus().get().isGloballyTerminalState()) {
                            System.err.println("grade demo: the job ended unexpectedly: " + client.getJobStatus().get());
                            break;
                        }
                    }
                    firstPolicy.interrupt();
                    if (generator.stats().currentVersion() == 0) {
                        steps.step("no policy version yet: the first one needs a few thousand labelled requests "
                                + "(a minute or two at the defaults); run longer with --duration");
                    }
                    generator.stop();
                    GeneratorStats stats = generator.stats();
                    Map<String, Object> figures = DemoFigures.collect(stats, client, broker, job, webPort, speedup,
                            gen.startEventTime());
                    figures.putAll(HoldoutFigures.summary(HoldoutFigures.read(webPort, client.getJobID()), stats));
                    running.close();
                    System.out.println(SummaryJson.render(figures));
                    if (summaryJson != null) {
                        SummaryJson.write(summaryJson, figures);
                    }
                    if (generator.failure() != null) {
                        System.err.println("grade demo: the generator failed: " + generator.failure());
                        return 1;
                    }
                }
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // JVM already exiting after Ctrl-C: nothing to remove
            }
        }
        return 0;
    }
}
