package io.grade.cli;

import io.grade.cli.log.RequestLogFormat;
import io.grade.cli.log.SimulatedLog;
import io.grade.simulator.SimWorld;
import io.grade.simulator.Worlds;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade export-log}: a request log (docs/REQUEST-LOG.md) of the simulated world, e.g. the shipped sample. */
@Command(name = "export-log", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a request log (JSON Lines, docs/REQUEST-LOG.md) of the simulated world: requests served "
                + "with Dirichlet noise around equal weights, the simulated users' feedback as labels.",
            "examples/data/sample-requests.jsonl is this command at its defaults."})
public final class ExportLogCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The log to write (overwritten).")
    Path out;

    @Option(names = "--world", defaultValue = Worlds.DEFAULT, converter = WorldOption.Converter.class,
            description = WorldOption.DESCRIPTION)
    String world;

    @Option(names = "--requests", defaultValue = "2000", description = "Requests to write (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--world-seed", defaultValue = "1", description = "Seed of the simulated world (default: ${DEFAULT-VALUE}).")
    long worldSeed;

    @Option(names = "--users", description = "Users in the world (default: the world's, 10000).")
    Integer users;

    @Option(names = "--items", description = "Items in the catalogue (default: the world's, 5000).")
    Integer items;

    @Option(names = "--start-event-time", defaultValue = "2026-01-01T00:00:00Z",
            description = "Event time of the first request, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Instant startEventTime;

    @Option(names = "--interval-ms", defaultValue = "1000",
            description = "Event-time milliseconds between two requests (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @Option(names = "--logging-concentration", defaultValue = "10",
            description = "Dirichlet concentration of the served weights around equal weights (default: ${DEFAULT-VALUE}).")
    double concentration;

    @Option(names = "--shown-only", defaultValue = "true", negatable = true,
            description = "Write only the candidates that were shown; --no-shown-only writes every candidate, about "
                    + "five times the size (default: ${DEFAULT-VALUE}).")
    boolean shownOnly;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || intervalMs < 0 || !(concentration > 0)) {
            throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(),
                    "--requests must be >= 1, --interval-ms >= 0 and --logging-concentration > 0");
        }
        SimWorld w = GenerateCommand.worldSpec(world, users, items).create(worldSeed);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            SimulatedLog.generate(w, requests, seed, startEventTime.toEpochMilli(), intervalMs, concentration, shownOnly, r -> {
                try {
                    writer.write(RequestLogFormat.format(r));
                    writer.newLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        System.err.printf("grade export-log: %d requests of world %s to %s (%,d bytes); the job flags that match it: %s%n",
                requests, w.name(), out, Files.size(out), String.join(" ", WorldOption.jobArgs(w.spec())));
        return 0;
    }
}
