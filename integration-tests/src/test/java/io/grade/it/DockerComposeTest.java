package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.grade.cli.GradeCli;
import io.grade.jobs.config.CommandLine;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.GradeOptions;
import io.grade.jobs.config.LearnerConfig;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.holdout.HoldoutMetrics;
import io.grade.jobs.holdout.OnlineHoldoutFunction;
import io.grade.jobs.learner.LearnerMetrics;
import io.grade.jobs.metrics.JoinMetrics;
import io.grade.testkit.cluster.StandaloneFlinkCluster;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml cannot run here (no Docker engine), so it is validated offline: the services a
 * user expects, pinned images, the Kafka image on the clients' version, the job jar the build
 * produces, every flag passed to the job and the generator accepted by their parsers, and (where
 * the docker-compose client is installed, as in CI) `docker-compose config -q` on the file and on a
 * deliberately broken copy.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
    private static final Path SECURE = ROOT.resolve("docker-compose.secure.yml");

    private static JsonNode compose() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile());
    }

    private static List<String> command(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.get("command").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void shouldDefineTheStackWithPinnedImagesOnTheClientsKafkaVersion() throws IOException {
        JsonNode services = compose().get("services");
        assertThat(services.fieldNames()).toIterable().contains("zookeeper", "kafka", "topic-creator", "builder", "jobmanager",
                "taskmanager", "job-submitter", "event-generator", "prometheus", "grafana");
        services.fields().forEachRemaining(e -> {
            String image = e.getValue().get("image").asText();
            assertThat(image).as("image of %s is pinned", e.getKey()).contains(":").doesNotEndWith(":latest");
        });
        assertThat(services.get("kafka").get("image").asText()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
        assertThat(services.get("kafka").get("healthcheck")).isNotNull();
        // the ZooKeeper server of the JobManager's HA on the version the tests run (testkit's EmbeddedZooKeeper)
        assertThat(services.get("zookeeper").get("image").asText())
                .isEqualTo("zookeeper:" + org.apache.zookeeper.Version.getFullVersion().split("[-,\\s]")[0]);
        assertThat(services.get("zookeeper").get("healthcheck")).isNotNull();
        assertThat(services.get("jobmanager").get("depends_on").get("zookeeper").get("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(services.get("jobmanager").get("healthcheck")).isNotNull();
        assertThat(services.get("job-submitter").get("depends_on").get("topic-creator").get("condition").asText())
                .isEqualTo("service_completed_successfully");
        assertThat(Files.readString(ROOT.resolve("deploy/prometheus.yml"))).contains("jobmanager:9249", "taskmanager:9249");
    }

    @Test
    void jobSubmitterShouldRunTheBuiltJobJarWithFlagsTheJobAccepts() throws IOException {
        List<String> cmd = command(compose().get("services").get("job-submitter"));
        assertThat(cmd.subList(0, 2)).containsExactly("flink", "run");
        int jar = -1;
        for (int i = 0; i < cmd.size(); i++) {
            if (cmd.get(i).endsWith(".jar")) {
                jar = i;
            }
        }
        assertThat(jar).as("a jar in %s", cmd).isPositive();
        // the shaded artifact the flink-jobs build attaches (classifier "job")
        assertThat(Path.of(cmd.get(jar)).getFileName().toString()).matches("flink-jobs-.+-job\\.jar");
        String[] jobArgs = cmd.subList(jar + 1, cmd.size()).toArray(String[]::new);
        Configuration conf = CommandLine.toConfiguration(CommandLine.toMap(jobArgs));
        GradeConfig join = GradeConfig.from(conf);
        assertThatCode(() -> LearnerConfig.from(conf, join)).doesNotThrowAnyException();
        assertThat(join.bootstrapServers()).isEqualTo("kafka:29092");
        // and a misspelt flag would have failed the same check
        assertThatCode(() -> CommandLine.toConfiguration(CommandLine.toMap(new String[] {"--bootstrap-server", "x"})))
                .hasMessageContaining("bootstrap-server");
    }

    @Test
    void flinkSettingsShouldMatchTheTestedClusterAndMountTheNd4jLibJar() throws IOException {
        JsonNode services = compose().get("services");
        JsonNode tm = services.get("taskmanager");
        // SnakeYAML resolves the `<<: *flink-properties` merge key as Compose does (Jackson keeps it as a field)
        Map<String, Object> root = new org.yaml.snakeyaml.Yaml().load(Files.readString(COMPOSE));
        Map<?, ?> tmYaml = (Map<?, ?>) ((Map<?, ?>) root.get("services")).get("taskmanager");
        Map<?, ?> env = (Map<?, ?>) tmYaml.get("environment");
        JsonNode props = new ObjectMapper(new YAMLFactory()).readTree(String.valueOf(env.get("FLINK_PROPERTIES")));
        // the settings StandaloneClusterITCase runs with (measured there; docs/DESIGN.md, Deployment)
        assertThat(props.get("classloader.parent-first-patterns.additional").asText())
                .isEqualTo(StandaloneFlinkCluster.PARENT_FIRST_PATTERNS);
        assertThat(props.get("taskmanager.memory.task.off-heap.size").asText()).isEqualTo(StandaloneFlinkCluster.TASK_OFF_HEAP);
        // `grade bench join` gives RocksDB the managed memory of this TaskManager
        assertThat(props.get("taskmanager.memory.process.size").asText())
                .isEqualTo(io.grade.cli.bench.JoinBenchmark.TASKMANAGER_PROCESS_SIZE);
        // ZooKeeper HA with the settings of the tested cluster (StandaloneClusterITCase kills its JobManager)
        Map<String, String> ha = StandaloneFlinkCluster.highAvailabilityOptions("zookeeper:2181", "file:///flink-data/ha",
                "/grade-compose");
        Map<String, String> composeHa = new java.util.TreeMap<>();
        props.fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("high-availability")) {
                composeHa.put(e.getKey(), e.getValue().asText());
            }
        });
        assertThat(composeHa).isEqualTo(new java.util.TreeMap<>(ha));
        assertThat(services.get("zookeeper").get("hostname").asText() + ":2181")
                .isEqualTo(props.get("high-availability.zookeeper.quorum").asText());
        List<String> javaOpts = List.of(props.get("env.java.opts.taskmanager").asText().trim().split("\\s+"));
        String cacheDir = "/flink-data/javacpp";
        assertThat(javaOpts).containsExactlyElementsOf(StandaloneFlinkCluster.javacppOptions(cacheDir));
        List<String> volumes = new ArrayList<>();
        tm.get("volumes").forEach(v -> volumes.add(v.asText()));
        assertThat(volumes).as("the JavaCPP cache lies on the flink-data volume").contains("flink-data:/flink-data");
        // the ND4J lib jar the flink-jobs build attaches (classifier "nd4j-lib"), in the image's lib/
        String lib = volumes.stream().filter(v -> v.contains("nd4j-lib")).findFirst()
                .orElseThrow(() -> new AssertionError("no nd4j-lib jar mounted in " + volumes));
        String[] parts = lib.split(":");
        assertThat(parts[0]).matches("\\./flink-jobs/target/flink-jobs-.+-nd4j-lib\\.jar");
        assertThat(parts[1]).startsWith("/opt/flink/lib/").endsWith(".jar");
        assertThat(Path.of(parts[0]).getFileName().toString())
                .isEqualTo(Path.of(command(services.get("job-submitter")).stream().filter(a -> a.endsWith("-job.jar"))
                        .findFirst().orElseThrow()).getFileName().toString().replace("-job.jar", "-nd4j-lib.jar"));
        assertThat(tm.get("depends_on").get("builder").get("condition").asText()).isEqualTo("service_completed_successfully");
    }

    @Test
    void grafanaDashboardShouldQueryOnlyMetricsTheJobRegisters() throws Exception {
        JsonNode grafana = compose().get("services").get("grafana");
        assertThat(grafana.get("healthcheck")).isNotNull();
        List<String> volumes = new ArrayList<>();
        grafana.get("volumes").forEach(v -> volumes.add(v.asText()));
        assertThat(volumes).contains("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro",
                "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro");
        JsonNode provider = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/grafana/provisioning/dashboards/grade.yml").toFile());
        assertThat(provider.get("providers").get(0).get("options").get("path").asText()).isEqualTo("/var/lib/grafana/dashboards");
        JsonNode datasource = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/grafana/provisioning/datasources/prometheus.yml").toFile()).get("datasources").get(0);
        assertThat(datasource.get("url").asText()).isEqualTo("http://prometheus:9090");

        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("deploy/grafana/dashboards/grade.json").toFile());
        java.util.Set<String> holdout = names(HoldoutMetrics.class);
        for (String m : OnlineHoldoutFunction.metricNames(GradeOptions.TASKS.defaultValue().toArray(new String[0]))) {
            holdout.addAll(List.of(HoldoutMetrics.treatment(m), HoldoutMetrics.control(m), HoldoutMetrics.lift(m),
                    HoldoutMetrics.liftCiLow(m), HoldoutMetrics.liftCiHigh(m)));
        }
        Map<String, java.util.Set<String>> registered = Map.of(
                LearnerMetrics.GROUP, names(LearnerMetrics.class),
                HoldoutMetrics.GROUP, holdout,
                JoinMetrics.JOIN_GROUP, names(JoinMetrics.class),
                JoinMetrics.DEAD_LETTER_GROUP, java.util.Arrays.stream(DeadLetterReason.values())
                        .filter(DeadLetterReason::rejectedAtSource).map(DeadLetterReason::metricName)
                        .collect(java.util.stream.Collectors.toSet()));
        // Flink's Prometheus reporter: flink_<logical scope>_<user groups>_<name>
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile(
                "flink_taskmanager_job_task_operator_" + JoinMetrics.GROUP + "_([A-Za-z]+)_([A-Za-z_.*]+)");
        List<String> queried = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                java.util.regex.Matcher m = metric.matcher(target.get("expr").asText());
                assertThat(m.find()).as("a GRADE metric in %s", target.get("expr").asText()).isTrue();
                do {
                    String group = m.group(1);
                    String name = m.group(2);
                    assertThat(registered).as("metric group of %s", m.group()).containsKey(group);
                    if (name.equals(".*")) {
                        assertThat(group).isEqualTo(JoinMetrics.DEAD_LETTER_GROUP);
                    } else {
                        assertThat(registered.get(group)).as("metric %s is registered by the job", m.group()).contains(name);
                    }
                    queried.add(group + "." + name);
                } while (m.find());
            }
        }
        assertThat(queried).contains("learner.policyVersion", "learner.kl", "join.servedRewardTotal", "deadLetters..*",
                "holdout.lift_r_post", "holdout.lift_r_post_ci_low");
    }

    /** Values of the public String constants of a metric-names class, except the group names. */
    private static java.util.Set<String> names(Class<?> metricNames) throws IllegalAccessException {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (java.lang.reflect.Field f : metricNames.getFields()) {
            if (f.getType() == String.class && java.lang.reflect.Modifier.isStatic(f.getModifiers())
                    && !f.getName().startsWith("GROUP") && !f.getName().endsWith("_GROUP")) {
                out.add((String) f.get(null));
            }
        }
        return out;
    }

    @Test
    void eventGeneratorShouldUseFlagsTheLauncherAccepts() throws IOException {
        List<String> cmd = command(compose().get("services").get("event-generator"));
        assertThat(cmd.get(0)).isEqualTo("./grade");
        String[] args = cmd.subList(1, cmd.size()).toArray(String[]::new);
        assertThatCode(() -> GradeCli.commandLine().parseArgs(args)).doesNotThrowAnyException();
    }

    @Test
    void dockerComposeConfigShouldAcceptTheFileAndRejectABrokenOne(@TempDir Path dir) throws Exception {
        boolean available = run(List.of("docker-compose", "version"), ROOT) == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertThat(available).as("CI installs the docker-compose client (.ci/run)").isTrue();
        }
        Assumptions.assumeTrue(available, "docker-compose client not installed");
        assertThat(run(List.of("docker-compose", "-f", COMPOSE.toString(), "config", "-q"), ROOT)).isZero();

        String broken = Files.readString(COMPOSE).replace("    image: flink:2.2.1-java17\n    command: jobmanager",
                "    imagee: flink:2.2.1-java17\n    command: jobmanager");
        assertThat(broken).isNotEqualTo(Files.readString(COMPOSE));
        Path copy = Files.writeString(dir.resolve("docker-compose.yml"), broken);
        assertThat(run(List.of("docker-compose", "-f", copy.toString(), "config", "-q"), dir)).isNotZero();
    }

    /** Every port published to the host is bound to loopback: nothing is open to the network by default. */
    @Test
    void hostPortsShouldBeBoundToLoopbackAndTheDashboardShouldRefuseJarUploads() throws IOException {
        compose().get("services").fields().forEachRemaining(e -> {
            JsonNode ports = e.getValue().get("ports");
            if (ports != null) {
                ports.forEach(p -> assertThat(p.asText()).as("port of %s", e.getKey()).startsWith("127.0.0.1:"));
            }
        });
        assertThat(Files.readString(COMPOSE)).contains("    web.submit.enable: false\n");
    }

    /**
     * The secured override: the broker settings of the tested secured broker (EmbeddedKafkaBroker.startSecured,
     * SecuredKafkaITCase) on every listener, the README's ACL recipe run by the topic creator as the super
     * user, and the job and the generator on client properties files from the secrets volume.
     */
    @Test
    @SuppressWarnings("unchecked")
    void securedOverrideShouldMatchTheTestedSecuredBrokerAndTheReadmeAcls() throws IOException {
        Map<String, Object> root = new org.yaml.snakeyaml.Yaml().load(Files.readString(SECURE));
        Map<?, ?> services = (Map<?, ?>) root.get("services");
        Map<?, ?> env = (Map<?, ?>) ((Map<?, ?>) services.get("kafka")).get("environment");
        Map<String, String> broker = new java.util.TreeMap<>();
        env.forEach((k, v) -> broker.put(k.toString().substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT)
                .replace('_', '.'), String.valueOf(v)));
        assertThat(broker.get("authorizer.class.name")).isEqualTo(EmbeddedKafkaBroker.AUTHORIZER);
        assertThat(broker.get("super.users")).isEqualTo("User:" + EmbeddedKafkaBroker.ADMIN);
        assertThat(broker.get("sasl.enabled.mechanisms")).isEqualTo("PLAIN");
        assertThat(broker.get("sasl.mechanism.inter.broker.protocol")).isEqualTo("PLAIN");
        assertThat(broker.get("sasl.mechanism.controller.protocol")).isEqualTo("PLAIN");
        for (String listener : broker.get("listener.security.protocol.map").split(",")) {
            String[] nameAndProtocol = listener.split(":");
            assertThat(nameAndProtocol[1]).as("listener %s", listener).isEqualTo("SASL_PLAINTEXT");
            String jaas = broker.get("listener.name." + nameAndProtocol[0].toLowerCase(java.util.Locale.ROOT)
                    + ".plain.sasl.jaas.config");
            assertThat(jaas).as("JAAS of listener %s", listener).contains("username=\"admin\"",
                    "user_grade-job=", "user_grade-serving=", "user_grade-generator=");
        }
        assertThat(broker.get("listeners")).contains("EXTERNAL://:9092");

        // the README's ACL recipe, line by line, in the topic creator's script
        String script = String.join("\n", (List<String>) ((Map<?, ?>) services.get("topic-creator")).get("command"))
                .replace("$$", "$").replaceAll("[ \t]+", " ");
        String readme = Files.readString(ROOT.resolve("README.md"));
        String recipe = readme.substring(readme.indexOf("A=\"kafka-acls.sh"));
        recipe = recipe.substring(0, recipe.indexOf("```"));
        List<String> acls = new ArrayList<>();
        for (String line : recipe.replace("\\\n", " ").split("\n")) {
            if (line.startsWith("$A ")) {
                acls.add(line.replaceAll("#.*$", "").replaceAll("[ \t]+", " ").trim());
            }
        }
        assertThat(acls).hasSize(8);
        assertThat(acls).allSatisfy(acl -> assertThat(script).contains(acl));

        List<String> job = (List<String>) ((Map<?, ?>) services.get("job-submitter")).get("command");
        int jar = job.indexOf("/jobs/flink-jobs-0.1.0-SNAPSHOT-job.jar");
        assertThat(jar).isPositive();
        Map<String, String> flags = CommandLine.toMap(job.subList(jar + 1, job.size()).toArray(String[]::new));
        assertThat(flags).containsEntry("kafka-properties", "/secrets/job.properties")
                .containsEntry("group-id", "grade").containsEntry("transactional-id-prefix", "grade");
        assertThatCode(() -> CommandLine.toConfiguration(flags)).doesNotThrowAnyException();
        List<String> gen = (List<String>) ((Map<?, ?>) services.get("event-generator")).get("command");
        assertThat(gen).contains("/secrets/generator.properties");
        assertThatCode(() -> GradeCli.commandLine().parseArgs(gen.subList(1, gen.size()).toArray(String[]::new)))
                .doesNotThrowAnyException();
    }

    @Test
    void dockerComposeConfigShouldAcceptTheSecuredOverrideOnlyWithItsPasswordsSet() throws Exception {
        boolean available = run(List.of("docker-compose", "version"), ROOT) == 0;
        Assumptions.assumeTrue(available, "docker-compose client not installed");
        List<String> config = List.of("docker-compose", "-f", COMPOSE.toString(), "-f", SECURE.toString(), "config", "-q");
        Map<String, String> passwords = Map.of("GRADE_ADMIN_PASSWORD", "a1", "GRADE_JOB_PASSWORD", "j1",
                "GRADE_SERVING_PASSWORD", "s1", "GRADE_GENERATOR_PASSWORD", "g1", "GRADE_GRAFANA_PASSWORD", "f1");
        assertThat(run(config, ROOT, passwords)).isZero();
        Map<String, String> missing = new java.util.HashMap<>(passwords);
        missing.remove("GRADE_JOB_PASSWORD");
        assertThat(run(config, ROOT, missing)).as("no default password").isNotZero();
    }

    private static int run(List<String> command, Path dir) throws Exception {
        return run(command, dir, Map.of());
    }

    private static int run(List<String> command, Path dir, Map<String, String> env) throws Exception {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("GRADE_"));
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException notInstalled) {
            return -1;
        }
    }
}
