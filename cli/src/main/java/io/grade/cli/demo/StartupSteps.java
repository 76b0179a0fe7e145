package io.grade.cli.demo;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The start-up steps of a command, one line each with the time since the JVM started (what the
 * user has waited), e.g. {@code grade demo: [  6.1s] Kafka broker started at 127.0.0.1:40123}.
 */
public final class StartupSteps {

    /** Prints nothing. */
    public static final StartupSteps NONE = new StartupSteps(null, null);

    private final String command;
    private final PrintStream out;

    public StartupSteps(String command, PrintStream out) {
        this.command = command;
        this.out = out;
    }

    /** Prints one step. */
    public void step(String format, Object... args) {
        if (out != null) {
            double seconds = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
            out.printf(Locale.ROOT, "%s: [%5.1fs] %s%n", command, seconds, String.format(Locale.ROOT, format, args));
        }
    }

    /**
     * Starts a daemon thread that prints the step {@code first policy version vN} once {@code
     * version} (the version serving uses) is above 0; interrupt it to stop watching.
     */
    public Thread watchFirstPolicy(LongSupplier version) {
        Thread t = new Thread(() -> {
            try {
                long v;
                while ((v = version.getAsLong()) <= 0) {
                    Thread.sleep(100); // a console line, not synchronisation: 0.1 s resolution is enough
                }
                step("first policy version v%d is served", v);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
        }, "grade-first-policy");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
