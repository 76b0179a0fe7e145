package io.grade.cli;

import io.grade.serving.KafkaClientProperties;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The Kafka client options every command that talks to Kafka shares (a picocli mixin):
 * {@code --kafka-property KEY=VALUE} (repeatable) over {@code --kafka-properties FILE}, as for the job.
 */
final class KafkaClientOptions {

    @Option(names = KafkaClientProperties.PROPERTY_FLAG, paramLabel = "KEY=VALUE",
            description = "Extra Kafka client property, e.g. security.protocol=SASL_SSL; repeatable, overrides "
                    + "--kafka-properties (as for the job).")
    List<String> kafkaProperty = new ArrayList<>();

    @Option(names = KafkaClientProperties.FILE_FLAG, paramLabel = "FILE",
            description = "Java properties file of extra Kafka client properties (security settings and the like).")
    Path kafkaProperties;

    /** The file's properties overridden by the repeated flags. */
    Map<String, String> merged() {
        return KafkaClientProperties.merge(kafkaProperties, kafkaProperty);
    }
}
