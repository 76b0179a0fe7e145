package io.grade.jobs.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.ServingPolicy;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The policy topic contract and the warm start against a real broker. */
class PolicyTopicITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final List<String> TASKS = List.of("ctr", "cvr");

    @Test
    void shouldCreateAMissingTopicCompactedAndAcceptItOnTheNextStart() throws Exception {
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy");
        try (Admin admin = KAFKA.broker().admin()) {
            PolicyTopic.ensure(admin, topic, 2_000_000, (short) 1);
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
            assertThat(c.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(c.get("max.message.bytes").value()).isEqualTo("2000000");
            PolicyTopic.ensure(admin, topic, 2_000_000, (short) 1); // idempotent
        }
    }

    @Test
    void shouldFailClearlyOnAMisconfiguredTopic() {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String deleting = EmbeddedKafkaBroker.uniqueTopic("policy-delete");
        broker.createTopic(deleting, 1, Map.of("cleanup.policy", "delete"));
        String small = EmbeddedKafkaBroker.uniqueTopic("policy-small");
        broker.createTopic(small, 1, Map.of("cleanup.policy", "compact", "max.message.bytes", "1000"));
        try (Admin admin = broker.admin()) {
            assertThatThrownBy(() -> PolicyTopic.ensure(admin, deleting, 2_000_000, (short) 1))
                    .hasMessageContaining(deleting).hasMessageContaining("cleanup.policy=compact");
            assertThatThrownBy(() -> PolicyTopic.ensure(admin, small, 2_000_000, (short) 1))
                    .hasMessageContaining(small).hasMessageContaining("max.message.bytes=1000");
        }
    }

    @Test
    void warmStartShouldFindTheNewestValidVersionOrNothing() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy-warm");
        broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        ServingPolicy fallback = ServingPolicy.staticWeights("m", TASKS, 3, FusionKind.LOG_LINEAR,
                new double[] {0, 0}, new double[] {1, 1});
        assertThat(WarmStart.newest(broker.bootstrapServers(), topic, fallback, Duration.ofSeconds(30))).isEmpty();

        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            for (long v : new long[] {3, 9, 4}) {
                p.send(new ProducerRecord<>(topic, "m".getBytes(StandardCharsets.UTF_8), codec.encode(snapshot(v))));
            }
            PolicySnapshot corrupt = snapshot(12);
            corrupt.setChecksum(corrupt.getChecksum() + 1);
            p.send(new ProducerRecord<>(topic, "m".getBytes(StandardCharsets.UTF_8), codec.encode(corrupt)));
        }
        Optional<PolicySnapshot> newest = WarmStart.newest(broker.bootstrapServers(), topic, fallback, Duration.ofSeconds(30));
        assertThat(newest).map(PolicySnapshot::getVersion).contains(9L);
    }

    static PolicySnapshot snapshot(long version) {
        PolicyArchitecture arch = new PolicyArchitecture(3, 1, 2, 2, 2, 1e-3);
        PolicyParameters.Builder b = PolicyParameters.builder();
        arch.parameterShapes().forEach((name, shape) -> {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            double[] v = new double[n];
            java.util.Arrays.fill(v, 0.01 * version);
            b.put(name, shape, v);
        });
        return PolicySnapshots.toSnapshot(arch, b.build(), new SnapshotMetadata("m", version, Instant.EPOCH,
                Instant.EPOCH, TASKS, FusionKind.LOG_LINEAR, new double[] {0, 0}, 5, 0.01,
                new TrainingStats(0.0, 0.0, 0.0, 0L, 0L)));
    }

    @Test
    void freshStartShouldPreferTheTopicThenTheStage1FileAndRejectABadFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy-stage1");
        java.nio.file.Path stage1 = dir.resolve("stage1.bin");
        byte[] stage1Bytes = EventCodec.policySnapshots().encode(snapshot(1));
        java.nio.file.Files.write(stage1, stage1Bytes);
        String[] args = {"--bootstrap-servers", broker.bootstrapServers(), "--policy-topic", topic,
            "--tasks", "ctr;cvr", "--feedback-tasks", "click:ctr,order:cvr", "--feature-dim", "3",
            "--betas", "0;0", "--experts", "1", "--hidden", "2", "--tower", "2", "--model-id", "m",
            "--stage1-snapshot", stage1.toString()};

        // Empty (new) policy topic: the Stage 1 file is the starting point, and the topic now exists.
        io.grade.jobs.GradeJob.Job job = io.grade.jobs.GradeJob.prepare(args);
        assertThat(job.warmStartSnapshot()).isEqualTo(stage1Bytes);

        // Once the topic holds a version, a fresh start continues from it instead.
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProperties())) {
            p.send(new ProducerRecord<>(topic, "m".getBytes(StandardCharsets.UTF_8),
                    EventCodec.policySnapshots().encode(snapshot(9))));
        }
        PolicySnapshot warm = EventCodec.policySnapshots().decode(io.grade.jobs.GradeJob.prepare(args).warmStartSnapshot()).value();
        assertThat(warm.getVersion()).isEqualTo(9);

        java.nio.file.Files.write(stage1, new byte[] {1, 2, 3});
        String[] bad = args.clone();
        bad[3] = EmbeddedKafkaBroker.uniqueTopic("policy-empty");
        assertThatThrownBy(() -> io.grade.jobs.GradeJob.prepare(bad))
                .hasMessageContaining("stage1-snapshot");
    }
}
