package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grade.generator.EventGenerator;
import io.grade.generator.GeneratorConfig;
import io.grade.jobs.GradeJob;
import io.grade.serving.PolicyClient;
import io.grade.serving.ServingPolicy;
import io.grade.testkit.flink.FlinkMiniClusters;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Secured Kafka (issue 15, item 5) on a real broker with a SASL/PLAIN listener and the KRaft
 * StandardAuthorizer, and the whole job on a MiniCluster (RocksDB, exactly-once checkpoints):
 * the job's principal holds exactly the ACLs of the README recipe, the job is configured for
 * SASL only through {@code --kafka-property}, and it creates the policy topic, warm-starts and
 * publishes a version that a serving client with a read-only principal reads. Neither the serving
 * principal nor an anonymous client can write the policy topic, and the job without the
 * properties fails at start-up naming the topic.
 */
class SecuredKafkaITCase {

    private static final String JOB_USER = "grade-job";
    private static final String SERVING_USER = "grade-serving";

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.secured(Map.of(
            JOB_USER, "job-secret", SERVING_USER, "serving-secret"));

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMiniClusters.extension(1, tempDir(), null);

    @Test
    void jobPublishesOverSaslAndServingMayOnlyReadThePolicyTopic() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String suffix = EmbeddedKafkaBroker.uniqueTopic("");
        String impressions = "impressions" + suffix, feedback = "feedback" + suffix, policy = "policy" + suffix;
        String deadLetters = "dead-letters" + suffix, labelled = "labelled" + suffix, prefix = "sec" + suffix;
        // the job creates the policy topic itself (its principal may)
        broker.createTopics(List.of(impressions, feedback, deadLetters, labelled).stream()
                .map(t -> new NewTopic(t, 1, (short) 1)).toList());
        // the README's recipe: the job reads its inputs (group = --group-id), writes its outputs
        // (transactional ids = --transactional-id-prefix) and creates, checks and reads the policy
        // topic; serving only reads the policy topic
        grant(broker, JOB_USER, ResourceType.TOPIC, impressions, PatternType.LITERAL, AclOperation.READ);
        grant(broker, JOB_USER, ResourceType.TOPIC, feedback, PatternType.LITERAL, AclOperation.READ);
        grant(broker, JOB_USER, ResourceType.TOPIC, deadLetters, PatternType.LITERAL, AclOperation.WRITE);
        grant(broker, JOB_USER, ResourceType.TOPIC, labelled, PatternType.LITERAL, AclOperation.WRITE);
        grant(broker, JOB_USER, ResourceType.TOPIC, policy, PatternType.LITERAL, AclOperation.WRITE,
                AclOperation.READ, AclOperation.CREATE, AclOperation.DESCRIBE_CONFIGS);
        grant(broker, JOB_USER, ResourceType.GROUP, prefix, PatternType.LITERAL, AclOperation.READ);
        grant(broker, JOB_USER, ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, AclOperation.WRITE);
        grant(broker, SERVING_USER, ResourceType.TOPIC, policy, PatternType.LITERAL, AclOperation.READ);

        Map<String, String> job = broker.clientProperties(JOB_USER);
        List<String> args = new ArrayList<>(List.of(
                "--impressions-topic", impressions, "--feedback-topic", feedback, "--policy-topic", policy,
                "--dead-letter-topic", deadLetters, "--labelled-requests-topic", labelled,
                "--transactional-id-prefix", prefix, "--group-id", prefix,
                "--checkpoint-interval", "2 s", "--transaction-timeout", "2 min",
                "--out-of-orderness", "60 s", "--idleness", "2 s",
                "--update-every", "128", "--update-interval", "5 s", "--publish-interval", "2 s", "--seed", "7"));

        // Without the properties, the job is an anonymous client and fails at start-up naming the topic.
        List<String> anonymous = new ArrayList<>(args);
        anonymous.addAll(List.of("--bootstrap-servers", broker.anonymousBootstrapServers()));
        assertThatThrownBy(() -> GradeJob.prepare(anonymous.toArray(String[]::new)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(policy)
                .hasStackTraceContaining("TopicAuthorizationException");

        args.addAll(List.of("--bootstrap-servers", broker.bootstrapServers()));
        for (String key : List.of("security.protocol", "sasl.mechanism", "sasl.jaas.config")) {
            args.addAll(List.of("--kafka-property", key + "=" + job.get(key)));
        }
        GradeJob.Job prepared = GradeJob.prepare(args.toArray(String[]::new));
        assertThat(prepared.warmStartSnapshot()).as("created the policy topic, cold start").isNull();
        assertThat(prepared.effectiveOptions().toString()).doesNotContain("job-secret");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        GradeJob.configure(env, prepared);
        GradeJob.build(env, prepared);
        JobClient client = env.executeAsync(prepared.join().jobName());
        ServingPolicy fallback = ServingPolicy.staticWeights(prepared.learner().modelId(),
                List.of(prepared.join().taskNames()), prepared.join().featureDim(), prepared.join().fusion(),
                prepared.join().betas(), new double[] {0.25, 0.25, 0.25, 0.25});
        try (PolicyClient serving = PolicyClient.builder(broker.bootstrapServers(), policy, fallback)
                     .kafkaProperties(broker.clientProperties(SERVING_USER)).build().start();
             EventGenerator generator = new EventGenerator(GeneratorConfig.builder(broker.bootstrapServers())
                     .impressionsTopic(impressions).feedbackTopic(feedback).policyTopic(policy)
                     .modelId(prepared.learner().modelId()).rate(250).speedup(180).seed(11).worldSeed(3)
                     // behind the wall clock: the job's event-time guard (max-event-time-ahead 5 min)
                     .startEventTime(Instant.now().minus(Duration.ofDays(1)))
                     .oracleEvery(0).kafkaProperties(broker.adminClientProperties()).build())) {
            generator.start();
            await("a policy version reaches the serving principal").atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(250))
                    .failFast(() -> generator.failure() != null || client.getJobStatus().get() == JobStatus.FAILED)
                    .conditionEvaluationListener(c -> {
                        if (c.getRemainingTimeInMS() <= 0) {
                            System.out.printf("secured: job %s, requests %d, serving %s%n", status(client),
                                    generator.stats().requests(), serving.health());
                        }
                    })
                    .until(() -> serving.current().version() >= 1);
            assertThat(serving.health().lastError()).isNull();
        } finally {
            client.cancel().get(30, TimeUnit.SECONDS);
        }

        // Serving may read, not write; nor may an unauthenticated client.
        assertWriteDenied(broker.bootstrapServers(), broker.clientProperties(SERVING_USER), policy);
        assertWriteDenied(broker.anonymousBootstrapServers(), Map.of(), policy);
        assertThat(broker.readAll(policy)).as("only the job's versions").isNotEmpty()
                .allSatisfy(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8))
                        .isEqualTo(prepared.learner().modelId()));
    }

    private static Object status(JobClient client) {
        try {
            return client.getJobStatus().get();
        } catch (Exception e) {
            return e;
        }
    }

    private static void grant(EmbeddedKafkaBroker broker, String user, ResourceType type, String name,
                              PatternType pattern, AclOperation... operations) throws Exception {
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation op : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
        try (Admin admin = broker.admin()) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void assertWriteDenied(String bootstrapServers, Map<String, String> security, String topic) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        byte[] forged = "forged".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            // Where the refusal surfaces depends on timing, not on the ACLs: an idempotent producer's
            // InitProducerId may be refused (ClusterAuthorizationException) before send() is called,
            // and then send() itself throws (producer in error state, caused by that refusal);
            // otherwise the send's future fails with TopicAuthorizationException. Either way the
            // write is refused for authorization, which is what is asserted.
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                    () -> producer.send(new ProducerRecord<>(topic, forged, forged)).get(30, TimeUnit.SECONDS));
            assertThat(refused).as("the write is refused").isNotNull();
            assertThat(causes(refused)).as("caused by an authorization failure: %s", refused)
                    .anyMatch(AuthorizationException.class::isInstance);
        }
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("grade-it-ckpt-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
