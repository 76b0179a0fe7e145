package io.grade.cli.log;

import io.grade.simulator.LoggingPolicy;
import io.grade.simulator.SimFeedback;
import io.grade.simulator.SimOutcome;
import io.grade.simulator.SimRequest;
import io.grade.simulator.SimWorld;
import io.grade.simulator.World;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Request-log rows of a simulated world: each request served with Dirichlet noise around equal
 * weights (the offline experiment's logging policy), the users' sampled feedback as labels at
 * their delays. Ids as the event generator's: user {@code u<n>}, item {@code <n>}, request {@code
 * log<seed>-<i>}. Deterministic for a given world, seed and start time.
 */
public final class SimulatedLog {

    private SimulatedLog() {}

    /**
     * Writes {@code requests} rows, request i at {@code startMs + i * intervalMs}.
     *
     * @param concentration Dirichlet concentration of the served weights around 1/n (larger = less noise)
     * @param shownOnly write only the shown candidates (a fifth of the size at the default world)
     */
    public static void generate(SimWorld world, int requests, long seed, long startMs, long intervalMs,
                                double concentration, boolean shownOnly, Consumer<LoggedRequest> out) {
        int n = world.tasks();
        double[] uniform = new double[n];
        Arrays.fill(uniform, 1.0 / n);
        LoggingPolicy policy = LoggingPolicy.dirichletAround(uniform, concentration);
        UniformRandomProvider rng = World.rng(seed);
        String tag = "log" + Long.toUnsignedString(seed, 36) + "-";
        for (int i = 0; i < requests; i++) {
            SimRequest r = world.nextRequest(rng, startMs + i * intervalMs);
            double[] w = policy.weights(r, rng);
            SimOutcome o = world.respond(r, w, rng);
            int m = r.items();
            int[] position = new int[m];
            Arrays.fill(position, -1);
            for (int p = 0; p < o.shown(); p++) {
                position[o.ranking()[p]] = p;
            }
            List<List<LoggedRequest.Label>> labels = new ArrayList<>(m);
            for (int j = 0; j < m; j++) {
                labels.add(new ArrayList<>());
            }
            for (SimFeedback f : o.feedback()) {
                labels.get(f.itemIndex()).add(new LoggedRequest.Label(f.type(), f.value(),
                        r.eventTimeMillis() + f.delayMillis()));
            }
            List<LoggedRequest.Candidate> candidates = new ArrayList<>(m);
            for (int j = 0; j < m; j++) {
                if (shownOnly && position[j] < 0) {
                    continue;
                }
                double[] s = new double[n];
                for (int k = 0; k < n; k++) {
                    s[k] = (float) r.scores()[j * n + k];
                }
                candidates.add(new LoggedRequest.Candidate(Integer.toString(r.itemIds()[j]), s, position[j],
                        List.copyOf(labels.get(j))));
            }
            double[] x = new double[r.features().length];
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) r.features()[k];
            }
            out.accept(new LoggedRequest(tag + i, "u" + r.user(), r.eventTimeMillis(), null, null, 0, w, x,
                    List.copyOf(candidates)));
        }
    }
}
