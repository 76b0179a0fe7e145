package io.grade.cli;

import io.grade.cli.policy.PolicyOperations;
import io.grade.cli.policy.PolicyReport;
import io.grade.cli.policy.PolicyTopicView;
import io.grade.generator.GeneratorConfig;
import io.grade.model.policy.PolicyKeySource;
import io.grade.model.policy.PolicyKeys;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import io.grade.serving.KafkaClientProperties;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code grade policy ...}: look at the versions on the policy topic and steer what serving serves
 * (rollback, pin, unpin, kill switch). See README, "Policy operations".
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = {"Inspect and operate the policy topic: list, show and diff versions; roll back (republish a "
                + "version as a new, higher one); pin a version, unpin; kill switch (everyone on static weights).",
            "Exit codes: 0 done, 1 the operation cannot be carried out (reason on stderr), 2 usage error."},
        subcommands = {PolicyCommand.ListVersions.class, PolicyCommand.Show.class, PolicyCommand.Diff.class,
            PolicyCommand.Rollback.class, PolicyCommand.Pin.class, PolicyCommand.Unpin.class,
            PolicyCommand.KillSwitch.class})
public final class PolicyCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the topic is and how to reach it: the options of every subcommand. */
    static final class TopicOptions {
        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers, host:port[,...].")
        String bootstrapServers;

        @Option(names = "--policy-topic", defaultValue = GeneratorConfig.DEFAULT_POLICY_TOPIC,
                description = "Policy topic (the job's --policy-topic; default: ${DEFAULT-VALUE}).")
        String policyTopic;

        @Option(names = "--model-id", defaultValue = GeneratorConfig.DEFAULT_MODEL_ID,
                description = "Model id (the job's --model-id; default: ${DEFAULT-VALUE}).")
        String modelId;

        @Option(names = KafkaClientProperties.PROPERTY_FLAG, paramLabel = "KEY=VALUE",
                description = "Extra Kafka client property, e.g. security.protocol=SASL_SSL; repeatable, overrides "
                        + "--kafka-properties (as for the job).")
        List<String> kafkaProperty = new ArrayList<>();

        @Option(names = KafkaClientProperties.FILE_FLAG, paramLabel = "FILE",
                description = "Java properties file of extra Kafka client properties (security settings and the like).")
        Path kafkaProperties;

        @Option(names = "--timeout", defaultValue = "PT30S", converter = DurationOption.Converter.class,
                description = "Bound of reading the topic and of each write (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--verify-key-file", paramLabel = "FILE",
                description = "The job's Ed25519 public key: show signatures as valid or INVALID instead of signed, "
                        + "and count only correctly signed control records as the state to carry over (as verifying "
                        + "clients do).")
        Path verifyKeyFile;

        Map<String, String> clientProperties() {
            try {
                Map<String, String> p = KafkaClientProperties.merge(kafkaProperties, kafkaProperty);
                KafkaClientProperties.refuse(p, PolicyOperations.RESERVED_PROPERTIES, "grade policy");
                return p;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        PublicKey verifyKey() {
            if (verifyKeyFile == null) {
                return null;
            }
            try {
                return PolicyKeys.readPublicKey(verifyKeyFile);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "option '--verify-key-file': "
                        + e.getMessage());
            }
        }

        PolicyTopicView view() {
            return PolicyTopicView.read(bootstrapServers, clientProperties(), policyTopic, modelId, timeout);
        }
    }

    /** Signing of what a writing subcommand publishes (the job's private key). */
    static final class SigningOptions {
        @Option(names = "--signing-key-file", paramLabel = "FILE",
                description = "The job's Ed25519 private key (PKCS#8 PEM or DER): sign what is written, as the job does.")
        String file;

        @Option(names = "--signing-key-env", paramLabel = "VAR",
                description = "Environment variable holding the private key (PEM, or base64 of the DER).")
        String env;
    }

    /** Options and plumbing of the subcommands that write. */
    abstract static class Writing implements Callable<Integer> {
        @Mixin
        TopicOptions topic;

        @ArgGroup(exclusive = true)
        SigningOptions signing;

        @Option(names = "--issued-by", description = "Who writes, kept in the record (default: user@host).")
        String issuedBy;

        PolicyOperations operations() {
            PrivateKey key = null;
            if (signing != null) {
                String option = signing.file != null ? "--signing-key-file" : "--signing-key-env";
                try {
                    key = (signing.file != null ? PolicyKeySource.file(signing.file) : PolicyKeySource.env(signing.env))
                            .privateKey();
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(topic.spec.commandLine(), "option '" + option + "': "
                            + e.getMessage());
                }
            }
            return new PolicyOperations(topic.bootstrapServers, topic.clientProperties(), topic.policyTopic,
                    topic.modelId, key, topic.verifyKey(), issuedBy != null ? issuedBy : defaultIssuer(), topic.timeout,
                    Clock.systemUTC());
        }

        @Override
        public Integer call() {
            return PolicyCommand.run(topic.spec, this::execute);
        }

        abstract void execute(PrintWriter out);

        void printControl(PrintWriter out, PolicyControl c) {
            out.println("wrote control " + PolicyReport.control(c, null) + " to " + topic.policyTopic);
        }
    }

    /** Runs a subcommand body: an operation that cannot be done is exit code 1 with one line on stderr. */
    static int run(CommandLine.Model.CommandSpec spec, java.util.function.Consumer<PrintWriter> body) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            body.accept(out);
            out.flush();
            return 0;
        } catch (CommandLine.ParameterException e) {
            throw e;
        } catch (PolicyOperations.OperationException | IllegalStateException | org.apache.kafka.common.KafkaException e) {
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            err.println(spec.qualifiedName() + ": " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    static String defaultIssuer() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown-host";
        }
        return System.getProperty("user.name", "unknown") + "@" + host;
    }

    static PolicySnapshot require(PolicyTopicView view, long version, TopicOptions topic) {
        return PolicyOperations.require(view, version, topic.policyTopic, topic.verifyKey());
    }

    /** {@code grade policy list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Versions of the model on the topic (offset order): creation time, offset, checksum, "
                    + "signature, training statistics, origin (job, or the rollback that wrote it); then the control "
                    + "state (pin, kill switch).")
    static final class ListVersions implements Callable<Integer> {
        @Mixin
        TopicOptions topic;

        @Override
        public Integer call() {
            return run(topic.spec, out -> PolicyReport.list(topic.view(), topic.verifyKey()).forEach(out::println));
        }
    }

    /** {@code grade policy show V}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One version's metadata, statistics, checksum and signature, and a summary of each tensor.")
    static final class Show implements Callable<Integer> {
        @Mixin
        TopicOptions topic;

        @Parameters(index = "0", paramLabel = "VERSION", description = "Version to show.")
        long version;

        @Override
        public Integer call() {
            return run(topic.spec, out -> PolicyReport.show(require(topic.view(), version, topic),
                    topic.verifyKey()).forEach(out::println));
        }
    }

    /** {@code grade policy diff V1 V2}. */
    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "Parameter differences between two versions (per tensor: L2 norm of the difference, relative "
                    + "to V1's, largest absolute difference) and the change of the mean fusion weights on fixed "
                    + "reference inputs.")
    static final class Diff implements Callable<Integer> {
        @Mixin
        TopicOptions topic;

        @Parameters(index = "0", paramLabel = "V1", description = "Version to compare from.")
        long from;

        @Parameters(index = "1", paramLabel = "V2", description = "Version to compare to.")
        long to;

        @Override
        public Integer call() {
            return run(topic.spec, out -> {
                PolicyTopicView view = topic.view();
                PolicyReport.diff(require(view, from, topic), require(view, to, topic))
                        .forEach(out::println);
            });
        }
    }

    /** {@code grade policy rollback V}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = {"Republish version V's parameters as a NEW version, the highest on the topic + 1 (versions "
                    + "never go backwards). Serving switches to it like to any newer version; the job continues "
                    + "training from it and publishes above it.",
                "While the job runs, pin first (it holds publishing while pinned), roll back, then unpin."})
    static final class Rollback extends Writing {
        @Parameters(index = "0", paramLabel = "VERSION", description = "Version whose parameters to republish.")
        long version;

        @Override
        void execute(PrintWriter out) {
            PolicySnapshot s = operations().rollback(version);
            out.println("published v" + s.getVersion() + " with the parameters of v" + version + " (checksum "
                    + String.format("%016x", s.getChecksum()) + ", " + (s.getSignature() == null ? "unsigned"
                    : "signed") + ") to " + topic.policyTopic);
        }
    }

    /** {@code grade policy pin V}. */
    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = "Serve version V until unpinned, even when newer versions are published; the job holds "
                    + "publishing while pinned. The control record carries V's snapshot, so compaction cannot lose it.")
    static final class Pin extends Writing {
        @Parameters(index = "0", paramLabel = "VERSION", description = "Version to pin.")
        long version;

        @Override
        void execute(PrintWriter out) {
            printControl(out, operations().pin(version));
        }
    }

    /** {@code grade policy unpin}. */
    @Command(name = "unpin", mixinStandardHelpOptions = true,
            description = "Lift the pin: serving returns to the newest version, the job resumes publishing.")
    static final class Unpin extends Writing {
        @Override
        void execute(PrintWriter out) {
            printControl(out, operations().unpin());
        }
    }

    /** {@code grade policy kill-switch on|off}. */
    @Command(name = "kill-switch", mixinStandardHelpOptions = true,
            description = "on: every serving client serves its static fallback weights; off: back to the pinned or "
                    + "newest version. A pin is kept either way.")
    static final class KillSwitch extends Writing {
        @Parameters(index = "0", paramLabel = "on|off", description = "on or off.")
        String state;

        @Override
        void execute(PrintWriter out) {
            boolean on = switch (state.toLowerCase(java.util.Locale.ROOT)) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new CommandLine.ParameterException(topic.spec.commandLine(),
                        "kill-switch takes 'on' or 'off', got '" + state + "'");
            };
            printControl(out, operations().killSwitch(on));
        }
    }
}
