package io.grade.cli;

import io.grade.simulator.WorldSpec;
import io.grade.simulator.Worlds;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * {@code --world <name>} of the demo, the generator and the offline experiment, and the job flags
 * that match a world (its tasks, feedback types, binary tasks and feature dimension).
 */
final class WorldOption {

    /** The description shared by every {@code --world} option. */
    static final String DESCRIPTION = "Simulated world: archetypes (the default: 4 tasks, 32 features) or latent "
            + "(3 tasks, 24 features; see docs/design-simulator.md) (default: ${DEFAULT-VALUE}).";

    private WorldOption() {}

    /** Accepts a known world's name; an unknown one fails with the list of the known worlds. */
    static final class Converter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return Worlds.spec(value).name();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * The job flags that make the job read this world's events: {@code --tasks}, {@code
     * --feedback-tasks}, {@code --binary-tasks} and {@code --feature-dim} (lists in the job's
     * {@code a;b} form).
     */
    static List<String> jobArgs(WorldSpec world) {
        List<String> tasks = world.taskNames();
        List<String> types = world.feedbackTypes();
        List<String> feedbackTasks = new ArrayList<>();
        for (int k = 0; k < tasks.size(); k++) {
            feedbackTasks.add(types.get(k) + ":" + tasks.get(k));
        }
        // every world: task 0 is a click and task 1 an order, binary; the others carry amounts
        return List.of("--tasks", String.join(";", tasks),
                "--feedback-tasks", String.join(",", feedbackTasks),
                "--binary-tasks", String.join(";", tasks.subList(0, 2)),
                "--feature-dim", String.valueOf(world.featureDim()));
    }
}
