package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.config.GradeConfig;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** `grade cluster start` leaves a broker the job and the generator can use with their defaults. */
class ClusterTopicsTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void shouldCreateTheJobsDefaultTopicsOnceAndKeepExistingOnes() throws Exception {
        String bootstrap = KAFKA.broker().bootstrapServers();
        GradeConfig defaults = GradeConfig.fromMap(Map.of());

        assertThat(ClusterCommand.createJobTopics(bootstrap, 2)).containsExactly(defaults.impressionsTopic(),
                defaults.feedbackTopic(), defaults.deadLetterTopic(), defaults.labelledRequestsTopic());
        // A second start on the same broker (or topics the user made) is not an error and changes nothing.
        ClusterCommand.createJobTopics(bootstrap, 4);

        try (Admin admin = EmbeddedKafkaBroker.admin(bootstrap)) {
            Map<String, TopicDescription> d = admin.describeTopics(java.util.List.of(defaults.impressionsTopic(),
                    defaults.feedbackTopic(), defaults.deadLetterTopic(), defaults.labelledRequestsTopic()))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(d.get(defaults.impressionsTopic()).partitions()).hasSize(2);
            assertThat(d.get(defaults.feedbackTopic()).partitions()).hasSize(2);
            assertThat(d.get(defaults.deadLetterTopic()).partitions()).hasSize(1);
            assertThat(d.get(defaults.labelledRequestsTopic()).partitions()).hasSize(1);
        }
    }
}
