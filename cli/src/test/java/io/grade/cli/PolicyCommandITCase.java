package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grade.core.policy.PolicyNetwork;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyControls;
import io.grade.model.policy.PolicyKeys;
import io.grade.model.policy.PolicySignatures;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.model.policy.SnapshotProblem;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.PolicyClient;
import io.grade.serving.ServingPolicy;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./grade policy} against a real broker with a running, verifying {@link PolicyClient}:
 * rollback publishes max + 1 with the old parameters, pin holds a version against newer ones, the
 * kill switch puts the client on static weights and back, unpin resumes the newest.
 */
class PolicyCommandITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final List<String> TASKS = List.of("ctr", "cvr", "opm", "gpm");
    private static final double[] BETAS = {1e-4, 1e-4, 1e-2, 1e-2};
    private static final PolicyArchitecture ARCH = new PolicyArchitecture(8, 2, 6, 5, TASKS.size(), 1e-3);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final KeyPair job = PolicySignatures.generateKeyPair();

    private record Run(int exit, String out, String err) {}

    private Run grade(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = GradeCli.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static List<String> args(String topic, String... rest) {
        List<String> a = new ArrayList<>(List.of("policy"));
        a.add(rest[0]);
        a.addAll(List.of("--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--policy-topic", topic,
                "--model-id", "m", "--timeout", "PT20S"));
        a.addAll(Arrays.asList(rest).subList(1, rest.length));
        return a;
    }

    private PolicySnapshot snapshot(long version, long seed) {
        PolicySnapshot s = PolicySnapshots.toSnapshot(ARCH, new PolicyNetwork(ARCH, seed).parameters(),
                new SnapshotMetadata("m", version, Instant.ofEpochMilli(1_700_000_000_000L + version),
                        Instant.ofEpochMilli(1_699_999_000_000L), TASKS, FusionKind.LOG_LINEAR, BETAS, 5.0, 0.01,
                        new TrainingStats(0.4, 0.01, 0.1, version * 10, version * 1000)));
        return PolicySignatures.sign(s, job.getPrivate());
    }

    private static double[] weights(ServingPolicy p) {
        double[] x = new double[ARCH.featureDim()];
        Arrays.fill(x, 0.5);
        double[] w = new double[TASKS.size()];
        p.weights(x, w);
        return w;
    }

    private static double[] weights(PolicySnapshot s) {
        double[] x = new double[ARCH.featureDim()];
        Arrays.fill(x, 0.5);
        double[] w = new double[TASKS.size()];
        PolicySnapshots.forward(s).weights(x, w);
        return w;
    }

    @Test
    void rollbackPinKillSwitchAndUnpinShouldSteerARunningVerifyingClient(@TempDir Path dir) throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic("policy-ops");
        broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        Path privateKey = dir.resolve("policy.key");
        Path publicKey = dir.resolve("policy.pub");
        PolicyKeys.write(privateKey, job.getPrivate());
        PolicyKeys.write(publicKey, job.getPublic());
        EventCodec<PolicySnapshot> codec = EventCodec.policySnapshots();
        PolicySnapshot v1 = snapshot(1, 11);
        ServingPolicy fallback = ServingPolicy.staticWeights("m", TASKS, ARCH.featureDim(), FusionKind.LOG_LINEAR,
                BETAS, new double[] {1, 1, 1, 1});

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties());
             PolicyClient client = PolicyClient.builder(broker.bootstrapServers(), topic, fallback)
                     .verifyWithKeyFile(publicKey).build().start()) {
            for (PolicySnapshot s : List.of(v1, snapshot(2, 12), snapshot(3, 13))) {
                send(producer, topic, "m", codec.encode(s));
            }
            assertThat(client.awaitWarmUp(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> client.current().version() == 3);

            Run list = grade(args(topic, "list", "--verify-key-file", publicKey.toString()));
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("v1 ", "v2 ", "v3 ").contains("valid").doesNotContain("INVALID")
                    .contains("control: none");

            Run unsigned = grade(args(topic, "rollback", "1"));
            assertThat(unsigned.exit()).as("an unsigned rollback on a signed topic is refused").isEqualTo(1);
            assertThat(unsigned.err()).contains("--signing-key-file");

            Run rollback = grade(args(topic, "rollback", "1", "--signing-key-file", privateKey.toString()));
            assertThat(rollback.exit()).as(rollback.err()).isZero();
            assertThat(rollback.out()).contains("published v4 with the parameters of v1");
            await().atMost(WAIT).until(() -> client.current().version() == 4);
            assertThat(weights(client.current())).containsExactly(weights(v1));

            Run pin = grade(args(topic, "pin", "2", "--signing-key-file", privateKey.toString(), "--issued-by", "ops"));
            assertThat(pin.exit()).as(pin.err()).isZero();
            await().atMost(WAIT).until(() -> client.current().version() == 2);
            send(producer, topic, "m", codec.encode(snapshot(5, 15)));
            await().atMost(WAIT).until(() -> client.health().latestVersion() == 5);
            assertThat(client.current().version()).as("pinned: a newer version is accepted, not served").isEqualTo(2);
            assertThat(client.health().pinnedVersion()).isEqualTo(2);

            assertThat(grade(args(topic, "kill-switch", "on", "--signing-key-file", privateKey.toString())).exit())
                    .isZero();
            await().atMost(WAIT).until(() -> client.health().killSwitch());
            assertThat(client.current().isStatic()).isTrue();
            assertThat(weights(client.current())).containsExactly(0.25, 0.25, 0.25, 0.25);

            // an unsigned control record written around the CLI: rejected, the kill switch stays on
            byte[] forged = EventCodec.policyControls().encode(
                    PolicyControls.of("m", 99, Instant.now(), "attacker", false, null));
            send(producer, topic, PolicyControls.key("m"), forged);
            await().atMost(WAIT).until(() -> client.health().controlsRejected() == 1);
            assertThat(client.health().rejections(SnapshotProblem.Kind.SIGNATURE_MISSING)).isEqualTo(1);
            assertThat(client.current().isStatic()).isTrue();

            Run off = grade(args(topic, "kill-switch", "off", "--signing-key-file", privateKey.toString(),
                    "--verify-key-file", publicKey.toString()));
            assertThat(off.exit()).as(off.err()).isZero();
            assertThat(off.out()).as("above the forged sequence, state of the last valid record").contains("#100")
                    .contains("pinned to v2");
            await().atMost(WAIT).until(() -> !client.health().killSwitch());
            assertThat(client.current().version()).as("kill switch off keeps the pin").isEqualTo(2);

            assertThat(grade(args(topic, "unpin", "--signing-key-file", privateKey.toString(), "--verify-key-file",
                    publicKey.toString())).exit()).isZero();
            await().atMost(WAIT).until(() -> client.current().version() == 5);
            assertThat(client.health().pinnedVersion()).isZero();
            assertThat(client.health().controlsAccepted()).isEqualTo(4);

            Run after = grade(args(topic, "list", "--verify-key-file", publicKey.toString()));
            assertThat(after.out()).contains("rollback to v1 by").contains("control: #101").contains("not pinned")
                    .contains("signature valid");
            Run show = grade(args(topic, "show", "4", "--verify-key-file", publicKey.toString()));
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out()).contains("version        4").contains("signature      valid").contains("out.W");
            Run diff = grade(args(topic, "diff", "1", "4"));
            assertThat(diff.exit()).as(diff.err()).isZero();
            assertThat(diff.out()).contains("expert0.W").contains("+0.0000");
            Run missing = grade(args(topic, "show", "17"));
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.err()).contains("v17").contains("[1, 2, 3, 4, 5]");
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }
}
