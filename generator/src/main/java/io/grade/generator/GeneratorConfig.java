package io.grade.generator;

import io.grade.serving.KafkaClientProperties;
import io.grade.serving.OnlineHoldout;
import io.grade.serving.PolicyClient;
import io.grade.simulator.WorldConfig;
import io.grade.simulator.WorldSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the event generator needs; validated on construction, and every message names the
 * option (as the command line spells it) that is wrong.
 *
 * @param bootstrapServers Kafka bootstrap servers ({@code --bootstrap-servers})
 * @param impressionsTopic topic of the impressions ({@code --impressions-topic})
 * @param feedbackTopic topic of the feedback events ({@code --feedback-topic})
 * @param policyTopic compacted topic the serving client follows ({@code --policy-topic})
 * @param modelId policy model id served and recorded in impressions ({@code --model-id})
 * @param worldSeed seed of the simulated world: users, items, MTL model ({@code --world-seed})
 * @param world the simulated world's recipe ({@code --world}: the archetype world by default, or the latent one)
 * @param seed seed of the traffic: sessions, requests, responses, exploration, malformed records ({@code --seed})
 * @param rate requests per second of wall time ({@code --rate})
 * @param speedup event-time milliseconds per wall millisecond, e.g. 60 = one simulated hour per wall minute ({@code --speedup})
 * @param startEventTime event time of the first request; null = the wall clock when the generator starts ({@code --start-event-time})
 * @param duration wall time to generate requests for; null = no limit ({@code --duration})
 * @param maxRequests requests to generate; 0 = no limit ({@code --max-requests})
 * @param explore rank with serving-side Dirichlet exploration around pi(x) ({@code --explore})
 * @param staticWeights the fallback weights served as version 0 until a policy arrives, and the comparison
 *     baseline ({@code --static-weights}); normalised to the simplex; null in the builder = equal weights
 *     over the world's tasks
 * @param sessionRequestsMean mean number of requests in a user's session (geometric, >= 1) ({@code --session-requests})
 * @param sessionGapMean mean event-time gap between requests of one session (exponential) ({@code --session-gap})
 * @param malformedRate probability that a produced event is followed by a malformed record on the same topic
 *     ({@code --malformed-rate})
 * @param malformedKinds the kinds of malformed records drawn from ({@code --malformed-kinds}); default all
 * @param oracleEvery solve the per-request oracle on every k-th request; 0 = never ({@code --oracle-every})
 * @param drainFeedback when the request budget is used up, produce the pending feedback at once instead of
 *     dropping it ({@code --drain-feedback})
 * @param policyWarmUp how long to wait for the serving client to read the policy topic before serving
 *     ({@code --policy-warm-up})
 * @param kafkaProperties extra Kafka client properties for the producer and the policy consumer (security
 *     settings and the like; {@code --kafka-property}, {@code --kafka-properties}); those the generator sets
 *     itself ({@link #RESERVED_KAFKA_PROPERTIES}) are refused
 * @param controlShare share of users in the control arm of the online holdout, ranked with the static
 *     weights ({@code --control-share}, default 5 %); 0 = no holdout (impressions record the arm UNASSIGNED)
 * @param controlSalt salt of the holdout's user hash ({@code --control-salt}); see {@link OnlineHoldout}
 */
public record GeneratorConfig(
        String bootstrapServers,
        String impressionsTopic,
        String feedbackTopic,
        String policyTopic,
        String modelId,
        long worldSeed,
        WorldSpec world,
        long seed,
        double rate,
        double speedup,
        Instant startEventTime,
        Duration duration,
        long maxRequests,
        boolean explore,
        double[] staticWeights,
        double sessionRequestsMean,
        Duration sessionGapMean,
        double malformedRate,
        Set<MalformedKind> malformedKinds,
        int oracleEvery,
        boolean drainFeedback,
        Duration policyWarmUp,
        Map<String, String> kafkaProperties,
        double controlShare,
        String controlSalt) {

    /** Default impressions topic. */
    public static final String DEFAULT_IMPRESSIONS_TOPIC = "grade.impressions";
    /** Default feedback topic. */
    public static final String DEFAULT_FEEDBACK_TOPIC = "grade.feedback";
    /** Default policy topic. */
    public static final String DEFAULT_POLICY_TOPIC = "grade.policy";
    /** Default model id. */
    public static final String DEFAULT_MODEL_ID = "default";

    /** Validates every field and copies the mutable ones. */
    public GeneratorConfig {
        requireText("--bootstrap-servers", bootstrapServers);
        requireText("--impressions-topic", impressionsTopic);
        requireText("--feedback-topic", feedbackTopic);
        requireText("--policy-topic", policyTopic);
        requireText("--model-id", modelId);
        if (impressionsTopic.equals(feedbackTopic)) {
            throw new IllegalArgumentException("--impressions-topic and --feedback-topic must differ, both are "
                    + impressionsTopic);
        }
        Objects.requireNonNull(world, "world config");
        positive("--rate", rate);
        positive("--speedup", speedup);
        if (startEventTime != null && startEventTime.toEpochMilli() < 0) {
            throw new IllegalArgumentException("--start-event-time must not be before 1970, got " + startEventTime);
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new IllegalArgumentException("--duration must be > 0 (or absent for no limit), got " + duration);
        }
        if (maxRequests < 0) {
            throw new IllegalArgumentException("--max-requests must be >= 0 (0 = no limit), got " + maxRequests);
        }
        staticWeights = simplex("--static-weights", staticWeights, world.tasks());
        if (!(sessionRequestsMean >= 1) || Double.isInfinite(sessionRequestsMean)) {
            throw new IllegalArgumentException("--session-requests must be finite and >= 1, got " + sessionRequestsMean);
        }
        Objects.requireNonNull(sessionGapMean, "--session-gap");
        if (sessionGapMean.isNegative() || sessionGapMean.isZero()) {
            throw new IllegalArgumentException("--session-gap must be > 0, got " + sessionGapMean);
        }
        if (!(malformedRate >= 0 && malformedRate <= 1)) {
            throw new IllegalArgumentException("--malformed-rate must be in [0, 1], got " + malformedRate);
        }
        Objects.requireNonNull(malformedKinds, "--malformed-kinds");
        if (malformedKinds.isEmpty()) {
            throw new IllegalArgumentException("--malformed-kinds must name at least one kind");
        }
        malformedKinds = Collections.unmodifiableSet(EnumSet.copyOf(malformedKinds));
        if (oracleEvery < 0) {
            throw new IllegalArgumentException("--oracle-every must be >= 0 (0 = never), got " + oracleEvery);
        }
        if (!(controlShare >= 0 && controlShare <= 0.5)) {
            throw new IllegalArgumentException("--control-share must be in [0, 0.5] (0 = no holdout), got " + controlShare);
        }
        requireText("--control-salt", controlSalt);
        Objects.requireNonNull(policyWarmUp, "--policy-warm-up");
        if (policyWarmUp.isNegative()) {
            throw new IllegalArgumentException("--policy-warm-up must be >= 0, got " + policyWarmUp);
        }
        kafkaProperties = Map.copyOf(Objects.requireNonNull(kafkaProperties, "kafkaProperties"));
        KafkaClientProperties.refuse(kafkaProperties, RESERVED_KAFKA_PROPERTIES, "the generator");
    }

    /**
     * Kafka properties the generator sets itself, refused in {@code kafkaProperties}: those of its
     * producer (bytes, idempotent, acks=all) and those of its serving client ({@link
     * PolicyClient#RESERVED_PROPERTIES}).
     */
    public static final Map<String, String> RESERVED_KAFKA_PROPERTIES = reservedKafkaProperties();

    private static Map<String, String> reservedKafkaProperties() {
        Map<String, String> m = new java.util.HashMap<>(PolicyClient.RESERVED_PROPERTIES);
        m.put("enable.idempotence", "the generator's producer is idempotent");
        m.put("acks", "the generator's producer waits for all in-sync replicas");
        return Map.copyOf(m);
    }

    /** A builder preset to the defaults; only the bootstrap servers have none. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** Event-time milliseconds between two consecutive requests: speedup / rate seconds. */
    public double requestIntervalEventMillis() {
        return 1000.0 * speedup / rate;
    }

    @Override
    public double[] staticWeights() {
        return staticWeights.clone();
    }

    // arrays make the generated equals identity-based; compare contents instead
    @Override
    public boolean equals(Object o) {
        return o instanceof GeneratorConfig other && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "GeneratorConfig[bootstrapServers=" + bootstrapServers + ", impressionsTopic=" + impressionsTopic
                + ", feedbackTopic=" + feedbackTopic + ", policyTopic=" + policyTopic + ", modelId=" + modelId
                + ", worldSeed=" + worldSeed + ", seed=" + seed + ", rate=" + rate + ", speedup=" + speedup
                + ", startEventTime=" + startEventTime + ", duration=" + duration + ", maxRequests=" + maxRequests
                + ", explore=" + explore + ", staticWeights=" + Arrays.toString(staticWeights)
                + ", sessionRequestsMean=" + sessionRequestsMean + ", sessionGapMean=" + sessionGapMean
                + ", malformedRate=" + malformedRate + ", malformedKinds=" + malformedKinds + ", oracleEvery=" + oracleEvery
                + ", drainFeedback=" + drainFeedback + ", policyWarmUp=" + policyWarmUp
                + ", kafkaProperties=" + kafkaProperties.keySet() + ", controlShare=" + controlShare
                + ", controlSalt=" + controlSalt + ", world=" + world + "]";
    }

    /** The online holdout serving applies: none when {@code controlShare} is 0. */
    public OnlineHoldout holdout() {
        return controlShare == 0 ? OnlineHoldout.none() : OnlineHoldout.of(controlShare, controlSalt);
    }

    private static void requireText(String option, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(option + " must not be blank");
        }
    }

    private static void positive(String option, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(option + " must be finite and > 0, got " + v);
        }
    }

    private static double[] simplex(String option, double[] w, int n) {
        if (w == null || w.length != n) {
            throw new IllegalArgumentException(option + " must have one entry per task (" + n + "), got "
                    + (w == null ? "none" : Arrays.toString(w)));
        }
        double sum = 0;
        for (double v : w) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(option + " must be finite and >= 0, got " + Arrays.toString(w));
            }
            sum += v;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException(option + " must not all be 0");
        }
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            out[k] = w[k] / sum;
        }
        return out;
    }

    /** Mutable builder of {@link GeneratorConfig}, preset to the defaults. */
    public static final class Builder {
        private final String bootstrapServers;
        private String impressionsTopic = DEFAULT_IMPRESSIONS_TOPIC;
        private String feedbackTopic = DEFAULT_FEEDBACK_TOPIC;
        private String policyTopic = DEFAULT_POLICY_TOPIC;
        private String modelId = DEFAULT_MODEL_ID;
        private long worldSeed = 1;
        private WorldSpec world = WorldConfig.defaults();
        private long seed = 1;
        private double rate = 200;
        private double speedup = 60;
        private Instant startEventTime;
        private Duration duration;
        private long maxRequests;
        private boolean explore;
        // null = equal weights over the world's tasks
        private double[] staticWeights;
        // A user looks at a few pages a few minutes apart, well inside the job's 30-minute session gap.
        private double sessionRequestsMean = 4;
        private Duration sessionGapMean = Duration.ofMinutes(2);
        private double malformedRate;
        private Set<MalformedKind> malformedKinds = EnumSet.allOf(MalformedKind.class);
        private int oracleEvery = 1;
        private boolean drainFeedback = true;
        private Duration policyWarmUp = Duration.ofSeconds(10);
        private Map<String, String> kafkaProperties = Map.of();
        private double controlShare = OnlineHoldout.DEFAULT_CONTROL_SHARE;
        private String controlSalt = OnlineHoldout.DEFAULT_SALT;

        private Builder(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        public Builder impressionsTopic(String v) { impressionsTopic = v; return this; }
        public Builder feedbackTopic(String v) { feedbackTopic = v; return this; }
        public Builder policyTopic(String v) { policyTopic = v; return this; }
        public Builder modelId(String v) { modelId = v; return this; }
        public Builder worldSeed(long v) { worldSeed = v; return this; }
        public Builder world(WorldSpec v) { world = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder rate(double v) { rate = v; return this; }
        public Builder speedup(double v) { speedup = v; return this; }
        public Builder startEventTime(Instant v) { startEventTime = v; return this; }
        public Builder duration(Duration v) { duration = v; return this; }
        public Builder maxRequests(long v) { maxRequests = v; return this; }
        public Builder explore(boolean v) { explore = v; return this; }
        public Builder staticWeights(double[] v) { staticWeights = v; return this; }
        public Builder sessionRequestsMean(double v) { sessionRequestsMean = v; return this; }
        public Builder sessionGapMean(Duration v) { sessionGapMean = v; return this; }
        public Builder malformedRate(double v) { malformedRate = v; return this; }
        public Builder malformedKinds(Set<MalformedKind> v) { malformedKinds = v; return this; }
        public Builder oracleEvery(int v) { oracleEvery = v; return this; }
        public Builder drainFeedback(boolean v) { drainFeedback = v; return this; }
        public Builder policyWarmUp(Duration v) { policyWarmUp = v; return this; }
        public Builder kafkaProperties(Map<String, String> v) { kafkaProperties = v; return this; }
        public Builder controlShare(double v) { controlShare = v; return this; }
        public Builder controlSalt(String v) { controlSalt = v; return this; }
        /** One extra Kafka client property (added to those given so far). */
        public Builder kafkaProperty(String key, String value) {
            Map<String, String> m = new java.util.LinkedHashMap<>(kafkaProperties);
            m.put(key, value);
            kafkaProperties = m;
            return this;
        }

        /** Builds and validates. */
        public GeneratorConfig build() {
            double[] weights = staticWeights;
            if (weights == null && world != null) {
                weights = new double[world.tasks()];
                Arrays.fill(weights, 1.0 / world.tasks());
            }
            return new GeneratorConfig(bootstrapServers, impressionsTopic, feedbackTopic, policyTopic, modelId,
                    worldSeed, world, seed, rate, speedup, startEventTime, duration, maxRequests, explore,
                    weights, sessionRequestsMean, sessionGapMean, malformedRate, malformedKinds, oracleEvery, drainFeedback,
                    policyWarmUp, kafkaProperties, controlShare, controlSalt);
        }
    }
}
