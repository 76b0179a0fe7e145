package io.grade.cli;

import io.grade.generator.GeneratorConfig;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade policy}: what the policy topic holds. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Reads the policy topic as serving does (read_committed).",
        subcommands = PolicyCommand.Versions.class)
public final class PolicyCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code grade policy versions}: one line per committed snapshot of the model. */
    @Command(name = "versions", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Lists the committed policy versions of a model on the policy topic, oldest first: version, "
                    + "created, trained through, updates, requests learned, mean group reward of the last update.")
    static final class Versions implements Callable<Integer> {

        @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers, host:port[,...].")
        String bootstrapServers;

        @Option(names = "--policy-topic", defaultValue = GeneratorConfig.DEFAULT_POLICY_TOPIC,
                description = "Policy topic (default: ${DEFAULT-VALUE}).")
        String policyTopic;

        @Option(names = "--model-id", defaultValue = GeneratorConfig.DEFAULT_MODEL_ID,
                description = "Policy model id (default: ${DEFAULT-VALUE}).")
        String modelId;

        @picocli.CommandLine.Mixin
        KafkaClientOptions kafka = new KafkaClientOptions();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Map<String, String> extra = kafka.merged();
            Properties p = new Properties();
            p.putAll(extra);
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            java.io.PrintWriter out = spec.commandLine().getOut();
            EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
            int shown = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
                List<TopicPartition> parts = consumer.partitionsFor(policyTopic, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                        && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.key() == null || !modelId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                            continue;
                        }
                        DecodeResult<PolicySnapshot> d = codec.decode(r.value());
                        if (!d.isOk()) {
                            out.printf("offset %d: not a PolicySnapshot (%s)%n", r.offset(), d.failure());
                            continue;
                        }
                        PolicySnapshot s = d.value();
                        out.printf(Locale.ROOT, "v%d created %s trained through %s updates %d requests learned %d "
                                        + "mean group reward %.4f%n", s.getVersion(), s.getCreatedAt(),
                                s.getTrainedThrough(), s.getStats().getUpdates(), s.getStats().getRequestsLearned(),
                                s.getStats().getMeanReward());
                        shown++;
                    }
                }
            }
            out.printf("%d versions of model %s on %s%n", shown, modelId, policyTopic);
            out.flush();
            return 0;
        }
    }
}
