package io.grade.jobs.config;

import static io.grade.jobs.config.GradeOptions.*;

import io.grade.jobs.config.GradeOptions.EventTimeReference;
import io.grade.jobs.config.GradeOptions.StartingOffsets;
import io.grade.schemas.codec.DecodeLimits;
import io.grade.model.reward.FormatConstraints;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;
import io.grade.serving.KafkaClientProperties;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;

/**
 * The job's validated, immutable configuration. Built once from a Flink {@link Configuration} by
 * {@link #from}, which rejects a bad value with an {@link IllegalArgumentException} naming the
 * option; operators receive this (serializable) object, never the raw configuration.
 */
public final class GradeConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Kafka's default transaction.max.timeout.ms: a longer sink timeout is refused by the broker. */
    static final Duration BROKER_MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);
    static final double DEFAULT_BETA = 1e-6;
    /** Smallest max-record-bytes: a valid impression of a small configuration takes a few hundred bytes. */
    static final int MIN_RECORD_BYTES = 1024;
    /** Smallest max-dead-letter-bytes: room for the dead letter's fields with a bounded message. */
    static final int MIN_DEAD_LETTER_BYTES = 16 * 1024;
    /** Length of the SHA-256 that replaces a dead letter's oversized Kafka key. */
    static final int DEAD_LETTER_KEY_HASH_BYTES = 32;

    private final Map<String, String> effective;
    private final String bootstrapServers;
    private final String groupId;
    private final Map<String, String> kafkaProperties;
    private final String impressionsTopic;
    private final String feedbackTopic;
    private final String deadLetterTopic;
    private final String labelledRequestsTopic;
    private final StartingOffsets startingOffsets;
    private final boolean bounded;
    private final DeliveryGuarantee deliveryGuarantee;
    private final Duration transactionTimeout;
    private final String transactionalIdPrefix;
    private final String[] taskNames;
    private final Map<String, Integer> feedbackTypeToTask;
    private final boolean[] binaryTask;
    private final int featureDim;
    private final int maxItems;
    private final int maxRecordBytes;
    private final int maxStringBytes;
    private final int maxDeadLetterBytes;
    private final int maxDeadLetterKeyBytes;
    private final long maxEventTimeAheadMs;
    private final long maxEventTimeBehindMs;
    private final EventTimeReference eventTimeReference;
    private final long[] taskWindowMs;
    private final long orphanWaitMs;
    private final long sessionGapMs;
    private final long dedupRetentionMs;
    private final Duration outOfOrderness;
    private final Duration idleness;
    private final Duration checkpointInterval;
    private final int rewardMetricWindow;
    private final FusionKind fusion;
    private final double[] betas;
    private final int ndcgK;
    private final double[] taskImportance;
    private final double lambdaPost;
    private final double lambdaPrior;
    private final double lambdaFormat;
    private final double tau;
    private final int[][] formatOrder;
    private final double[] formatLower;
    private final double[] formatUpper;
    private final String jobName;

    private GradeConfig(Configuration c) {
        bootstrapServers = nonBlank(c, BOOTSTRAP_SERVERS);
        groupId = nonBlank(c, GROUP_ID);
        kafkaProperties = kafkaProperties(c);
        impressionsTopic = nonBlank(c, IMPRESSIONS_TOPIC);
        feedbackTopic = nonBlank(c, FEEDBACK_TOPIC);
        deadLetterTopic = nonBlank(c, DEAD_LETTER_TOPIC);
        labelledRequestsTopic = get(c, LABELLED_REQUESTS_TOPIC).trim();
        if (impressionsTopic.equals(feedbackTopic)) {
            throw bad(FEEDBACK_TOPIC, feedbackTopic, "must differ from " + IMPRESSIONS_TOPIC.key());
        }
        if (deadLetterTopic.equals(impressionsTopic) || deadLetterTopic.equals(feedbackTopic)) {
            throw bad(DEAD_LETTER_TOPIC, deadLetterTopic, "must differ from the input topics");
        }
        if (labelledRequestsTopic.equals(impressionsTopic) || labelledRequestsTopic.equals(feedbackTopic)
                || labelledRequestsTopic.equals(deadLetterTopic)) {
            throw bad(LABELLED_REQUESTS_TOPIC, labelledRequestsTopic, "must differ from the other topics");
        }
        startingOffsets = get(c, STARTING_OFFSETS);
        bounded = get(c, BOUNDED);
        deliveryGuarantee = get(c, DELIVERY_GUARANTEE);
        transactionTimeout = positive(c, TRANSACTION_TIMEOUT);
        if (transactionTimeout.compareTo(BROKER_MAX_TRANSACTION_TIMEOUT) > 0) {
            throw bad(TRANSACTION_TIMEOUT, transactionTimeout,
                    "must not exceed the broker's transaction.max.timeout.ms default of 15 min");
        }
        transactionalIdPrefix = nonBlank(c, TRANSACTIONAL_ID_PREFIX);

        List<String> tasks = get(c, TASKS);
        if (tasks.isEmpty() || new HashSet<>(tasks).size() != tasks.size() || tasks.stream().anyMatch(String::isBlank)) {
            throw bad(TASKS, tasks, "must be a non-empty list of distinct names");
        }
        taskNames = tasks.toArray(new String[0]);
        Map<String, Integer> taskIndex = new HashMap<>();
        for (int k = 0; k < taskNames.length; k++) {
            taskIndex.put(taskNames[k], k);
        }
        feedbackTypeToTask = new HashMap<>();
        Map<String, String> fbTasks = get(c, FEEDBACK_TASKS);
        if (fbTasks.isEmpty()) {
            throw bad(FEEDBACK_TASKS, fbTasks, "must map at least one feedback type to a task");
        }
        for (Map.Entry<String, String> e : fbTasks.entrySet()) {
            Integer k = taskIndex.get(e.getValue().trim());
            if (k == null) {
                throw bad(FEEDBACK_TASKS, fbTasks, "maps '" + e.getKey() + "' to unknown task '" + e.getValue() + "'");
            }
            feedbackTypeToTask.put(e.getKey().trim(), k);
        }
        binaryTask = new boolean[taskNames.length];
        for (String t : get(c, BINARY_TASKS)) {
            binaryTask[taskIndexOf(taskIndex, BINARY_TASKS, t)] = true;
        }
        featureDim = atLeast(c, FEATURE_DIM, 1);
        maxItems = atLeast(c, MAX_ITEMS, 1);

        long window = positive(c, ATTRIBUTION_WINDOW).toMillis();
        taskWindowMs = new long[taskNames.length];
        Arrays.fill(taskWindowMs, window);
        for (Map.Entry<String, String> e : get(c, ATTRIBUTION_WINDOW_PER_TASK).entrySet()) {
            int k = taskIndexOf(taskIndex, ATTRIBUTION_WINDOW_PER_TASK, e.getKey());
            Duration d;
            try {
                d = TimeUtils.parseDuration(e.getValue().trim());
            } catch (IllegalArgumentException ex) {
                throw bad(ATTRIBUTION_WINDOW_PER_TASK, e.getValue(), "is not a duration: " + ex.getMessage());
            }
            if (d.isNegative() || d.isZero()) {
                throw bad(ATTRIBUTION_WINDOW_PER_TASK, e.getValue(), "must be positive");
            }
            taskWindowMs[k] = d.toMillis();
        }
        orphanWaitMs = positive(c, ORPHAN_WAIT).toMillis();
        sessionGapMs = positive(c, SESSION_GAP).toMillis();
        dedupRetentionMs = positive(c, DEDUP_RETENTION).toMillis();
        outOfOrderness = nonNegative(c, OUT_OF_ORDERNESS);
        idleness = nonNegative(c, IDLENESS);
        checkpointInterval = positive(c, CHECKPOINT_INTERVAL);
        if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE
                && transactionTimeout.compareTo(checkpointInterval) <= 0) {
            throw bad(TRANSACTION_TIMEOUT, transactionTimeout,
                    "must exceed " + CHECKPOINT_INTERVAL.key() + " (" + checkpointInterval + ")");
        }
        rewardMetricWindow = atLeast(c, REWARD_METRIC_WINDOW, 1);

        maxRecordBytes = atLeast(c, MAX_RECORD_BYTES, MIN_RECORD_BYTES);
        maxStringBytes = atLeast(c, MAX_STRING_BYTES, 1);
        if (maxStringBytes > maxRecordBytes) {
            throw bad(MAX_STRING_BYTES, maxStringBytes, "must not exceed " + MAX_RECORD_BYTES.key() + " (" + maxRecordBytes + ")");
        }
        maxDeadLetterBytes = atLeast(c, MAX_DEAD_LETTER_BYTES, MIN_DEAD_LETTER_BYTES);
        maxDeadLetterKeyBytes = atLeast(c, MAX_DEAD_LETTER_KEY_BYTES, DEAD_LETTER_KEY_HASH_BYTES);
        if (maxDeadLetterKeyBytes > maxDeadLetterBytes / 2) {
            throw bad(MAX_DEAD_LETTER_KEY_BYTES, maxDeadLetterKeyBytes,
                    "must not exceed half of " + MAX_DEAD_LETTER_BYTES.key() + " (" + maxDeadLetterBytes + ")");
        }
        maxEventTimeAheadMs = positive(c, MAX_EVENT_TIME_AHEAD).toMillis();
        maxEventTimeBehindMs = nonNegative(c, MAX_EVENT_TIME_BEHIND).toMillis();
        eventTimeReference = get(c, EVENT_TIME_REFERENCE);

        fusion = get(c, FUSION);
        betas = perTask(c, BETAS, DEFAULT_BETA);
        for (double b : betas) {
            if (!(b >= 0) || Double.isInfinite(b)) {
                throw bad(BETAS, Arrays.toString(betas), "entries must be finite and >= 0");
            }
        }
        ndcgK = atLeast(c, NDCG_K, 1);
        taskImportance = perTask(c, TASK_IMPORTANCE, 1.0);
        lambdaPost = get(c, LAMBDA_POST);
        lambdaPrior = get(c, LAMBDA_PRIOR);
        lambdaFormat = get(c, LAMBDA_FORMAT);
        tau = get(c, TAU);
        List<String> order = get(c, FORMAT_ORDER);
        formatOrder = new int[order.size()][];
        for (int i = 0; i < order.size(); i++) {
            String[] parts = order.get(i).split(">=?");
            if (parts.length != 2) {
                throw bad(FORMAT_ORDER, order.get(i), "entries must look like a>b");
            }
            formatOrder[i] = new int[] {taskIndexOf(taskIndex, FORMAT_ORDER, parts[0]),
                                        taskIndexOf(taskIndex, FORMAT_ORDER, parts[1])};
        }
        formatLower = bounds(c, FORMAT_LOWER, taskIndex);
        formatUpper = bounds(c, FORMAT_UPPER, taskIndex);
        jobName = nonBlank(c, JOB_NAME);
        Map<String, ConfigOption<?>> rewardParameters = new LinkedHashMap<>();
        rewardParameters.put("ndcgK", NDCG_K);
        rewardParameters.put("taskImportance", TASK_IMPORTANCE);
        rewardParameters.put("lambdaPost", LAMBDA_POST);
        rewardParameters.put("lambdaPrior", LAMBDA_PRIOR);
        rewardParameters.put("lambdaFormat", LAMBDA_FORMAT);
        rewardParameters.put("tau", TAU);
        OptionErrors.named("reward options (" + String.join(", ", OptionErrors.flag(FORMAT_ORDER),
                OptionErrors.flag(FORMAT_LOWER), OptionErrors.flag(FORMAT_UPPER)) + ")", rewardParameters, this::rewardConfig);

        effective = new LinkedHashMap<>();
        for (ConfigOption<?> option : GradeOptions.all()) {
            Object v = c.get(option);
            effective.put(option.key(), v == null ? "" : String.valueOf(v));
        }
        // secret values never reach the logs or the dashboard
        effective.put(KAFKA_PROPERTY.key(), kafkaPropertyEntries(c).stream().map(KafkaClientProperties::masked)
                .collect(Collectors.joining(", ")));
    }

    /**
     * Kafka client properties the job sets itself on its sources, sinks, admin client or warm-start
     * reader; refused in {@code --kafka-property} and {@code --kafka-properties}.
     */
    public static final Map<String, String> RESERVED_KAFKA_PROPERTIES = KafkaClientProperties.reserved(Map.of(
            "group.id", "use --" + GROUP_ID.key(),
            "transactional.id", "the sinks derive it from --" + TRANSACTIONAL_ID_PREFIX.key(),
            "transaction.timeout.ms", "use --" + TRANSACTION_TIMEOUT.key(),
            "isolation.level", "the job reads read_committed: never what a transactional producer aborted",
            "enable.idempotence", "the exactly-once sinks need idempotent producers",
            "acks", "the sinks write with acks=all",
            "enable.auto.commit", "the sources commit offsets on checkpoints",
            "auto.offset.reset", "use --" + STARTING_OFFSETS.key(),
            "max.request.size", "derived from --" + MAX_DEAD_LETTER_BYTES.key() + " and --policy-max-message-bytes"));

    /** The file's properties overridden by the flag's entries, checked against the reserved ones. */
    private static Map<String, String> kafkaProperties(Configuration c) {
        String file = get(c, KAFKA_PROPERTIES).trim();
        Map<String, String> merged = KafkaClientProperties.merge(file.isEmpty() ? null : Path.of(file),
                kafkaPropertyEntries(c));
        KafkaClientProperties.refuse(merged, RESERVED_KAFKA_PROPERTIES, "the job");
        return Map.copyOf(merged);
    }

    private static List<String> kafkaPropertyEntries(Configuration c) {
        String v = get(c, KAFKA_PROPERTY);
        return v.isBlank() ? List.of() : List.of(v.split(CommandLine.REPEAT_SEPARATOR));
    }

    /** Validates every option; the message of the exception names the bad option. */
    public static GradeConfig from(Configuration configuration) {
        return new GradeConfig(configuration);
    }

    /** Defaults overridden by {@code overrides} (option key -> value, as on the command line). */
    public static GradeConfig fromMap(Map<String, String> overrides) {
        return from(CommandLine.toConfiguration(overrides));
    }

    // ---- accessors ------------------------------------------------------------------------------

    /** The effective value of every option (key -> value), for logs and the dashboard. */
    public Map<String, String> effectiveOptions() {
        return new LinkedHashMap<>(effective);
    }

    public String bootstrapServers() { return bootstrapServers; }
    public String groupId() { return groupId; }
    /**
     * Extra Kafka client properties of every client of the job (--kafka-properties overridden by
     * --kafka-property); they may hold secrets: log {@link KafkaClientProperties#masked} only.
     */
    public Map<String, String> kafkaProperties() { return kafkaProperties; }
    public String impressionsTopic() { return impressionsTopic; }
    public String feedbackTopic() { return feedbackTopic; }
    public String deadLetterTopic() { return deadLetterTopic; }
    /** Empty when labelled requests are not written to Kafka. */
    public String labelledRequestsTopic() { return labelledRequestsTopic; }
    public StartingOffsets startingOffsets() { return startingOffsets; }
    public boolean bounded() { return bounded; }
    public DeliveryGuarantee deliveryGuarantee() { return deliveryGuarantee; }
    public Duration transactionTimeout() { return transactionTimeout; }
    public String transactionalIdPrefix() { return transactionalIdPrefix; }
    public int tasks() { return taskNames.length; }
    public String[] taskNames() { return taskNames.clone(); }
    /** Task index of a feedback type, or -1 when the type is not mapped. */
    public int taskOfFeedbackType(String type) {
        Integer k = feedbackTypeToTask.get(type);
        return k == null ? -1 : k;
    }
    public boolean binaryTask(int task) { return binaryTask[task]; }
    public int featureDim() { return featureDim; }
    public int maxItems() { return maxItems; }
    public int maxRecordBytes() { return maxRecordBytes; }
    public int maxStringBytes() { return maxStringBytes; }
    public int maxDeadLetterBytes() { return maxDeadLetterBytes; }
    public int maxDeadLetterKeyBytes() { return maxDeadLetterKeyBytes; }
    public long maxEventTimeAheadMs() { return maxEventTimeAheadMs; }
    /** 0 when events behind the watermark are not bounded. */
    public long maxEventTimeBehindMs() { return maxEventTimeBehindMs; }
    public EventTimeReference eventTimeReference() { return eventTimeReference; }

    /**
     * Bounds of the pre-decode scan: record and string sizes, and the array counts derived from the
     * configured dimensions (items from max-items, features from feature-dim, weights and scores
     * from tasks), so that nothing larger than a valid event is ever allocated.
     */
    public DecodeLimits decodeLimits() {
        return new DecodeLimits(maxRecordBytes, maxStringBytes, Map.of(
                "Impression.items", maxItems,
                "Impression.features", featureDim,
                "Impression.servedWeights", taskNames.length,
                "Item.scores", taskNames.length));
    }
    /** Attribution window of task k in ms. */
    public long taskWindowMs(int task) { return taskWindowMs[task]; }
    /** The longest attribution window: a request closes this long after its impression. */
    public long maxWindowMs() { return Arrays.stream(taskWindowMs).max().orElseThrow(); }
    public long orphanWaitMs() { return orphanWaitMs; }
    public long sessionGapMs() { return sessionGapMs; }
    public long dedupRetentionMs() { return dedupRetentionMs; }
    public Duration outOfOrderness() { return outOfOrderness; }
    /** Zero when idleness detection is off. */
    public Duration idleness() { return idleness; }
    public Duration checkpointInterval() { return checkpointInterval; }
    public int rewardMetricWindow() { return rewardMetricWindow; }
    public FusionKind fusion() { return fusion; }
    public double[] betas() { return betas.clone(); }
    public String jobName() { return jobName; }

    /** The composite-reward configuration (built on demand: RewardConfig is not serializable). */
    public RewardConfig rewardConfig() {
        return new RewardConfig(ndcgK, taskImportance, lambdaPost, lambdaPrior, lambdaFormat, tau,
                FormatConstraints.of(formatOrder, formatLower, formatUpper));
    }

    @Override
    public String toString() {
        return "GradeConfig" + effective;
    }

    // ---- validation helpers -----------------------------------------------------------------------

    private static <T> T get(Configuration c, ConfigOption<T> option) {
        try {
            return c.get(option);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OptionErrors.option(option) + ": cannot parse value: " + e.getMessage(), e);
        }
    }

    private static String nonBlank(Configuration c, ConfigOption<String> option) {
        String v = get(c, option);
        if (v == null || v.isBlank()) {
            throw bad(option, v, "must not be empty");
        }
        return v.trim();
    }

    private static int atLeast(Configuration c, ConfigOption<Integer> option, int min) {
        int v = get(c, option);
        if (v < min) {
            throw bad(option, v, "must be >= " + min);
        }
        return v;
    }

    private static Duration positive(Configuration c, ConfigOption<Duration> option) {
        Duration d = get(c, option);
        if (d.isNegative() || d.isZero()) {
            throw bad(option, d, "must be positive");
        }
        return d;
    }

    private static Duration nonNegative(Configuration c, ConfigOption<Duration> option) {
        Duration d = get(c, option);
        if (d.isNegative()) {
            throw bad(option, d, "must not be negative");
        }
        return d;
    }

    private double[] perTask(Configuration c, ConfigOption<List<Double>> option, double dflt) {
        List<Double> values = get(c, option);
        double[] out = new double[taskNames.length];
        if (values == null || values.isEmpty()) {
            Arrays.fill(out, dflt);
            return out;
        }
        if (values.size() != taskNames.length) {
            throw bad(option, values, "must have one entry per task (" + taskNames.length + ")");
        }
        for (int k = 0; k < out.length; k++) {
            out[k] = values.get(k);
        }
        return out;
    }

    private double[] bounds(Configuration c, ConfigOption<Map<String, String>> option, Map<String, Integer> taskIndex) {
        Map<String, String> m = get(c, option);
        if (m.isEmpty()) {
            return new double[0];
        }
        double[] out = new double[taskNames.length];
        Arrays.fill(out, Double.NaN);
        for (Map.Entry<String, String> e : m.entrySet()) {
            int k = taskIndexOf(taskIndex, option, e.getKey());
            try {
                out[k] = Double.parseDouble(e.getValue().trim());
            } catch (NumberFormatException ex) {
                throw bad(option, e.getValue(), "is not a number");
            }
            if (!(out[k] >= 0 && out[k] <= 1)) {
                throw bad(option, e.getValue(), "must lie in [0, 1]");
            }
        }
        return out;
    }

    private static int taskIndexOf(Map<String, Integer> taskIndex, ConfigOption<?> option, String task) {
        Integer k = taskIndex.get(task.trim());
        if (k == null) {
            throw bad(option, task, "names an unknown task (tasks are " + taskIndex.keySet() + ")");
        }
        return k;
    }

    private static IllegalArgumentException bad(ConfigOption<?> option, Object value, String why) {
        return new IllegalArgumentException(OptionErrors.option(option) + " = '" + value + "' " + why);
    }
}
