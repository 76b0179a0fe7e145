package io.grade.it;

import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The five topics of one job under test, with a unique suffix so that the ITCases of a run share
 * a broker without seeing each other's records, and the job flags that name them.
 */
record JobTopics(String suffix, String impressions, String feedback, String policy, String deadLetters,
                 String labelled) {

    /** New topics on {@code broker} (the job creates the policy topic itself, compacted). */
    static JobTopics create(EmbeddedKafkaBroker broker) {
        String suffix = EmbeddedKafkaBroker.uniqueTopic("");
        JobTopics t = new JobTopics(suffix, "impressions" + suffix, "feedback" + suffix, "policy" + suffix,
                "dead-letters" + suffix, "labelled" + suffix);
        broker.createTopic(t.impressions, 2);
        broker.createTopic(t.feedback, 2);
        broker.createTopic(t.deadLetters, 1);
        broker.createTopic(t.labelled, 1);
        return t;
    }

    /**
     * The job's flags for these topics on {@code broker} (transactional ids and group unique per
     * job), exactly-once checkpoints every 2 s, then {@code more}.
     */
    String[] jobArgs(EmbeddedKafkaBroker broker, String prefix, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-servers", broker.bootstrapServers(),
                "--impressions-topic", impressions, "--feedback-topic", feedback, "--policy-topic", policy,
                "--dead-letter-topic", deadLetters, "--labelled-requests-topic", labelled,
                "--transactional-id-prefix", prefix + suffix, "--group-id", prefix + suffix,
                "--checkpoint-interval", "2 s", "--transaction-timeout", "2 min"));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }
}
