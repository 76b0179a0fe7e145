package io.grade.generator;

import io.grade.serving.PolicyClient;
import io.grade.serving.ServingPolicy;
import io.grade.simulator.SimWorld;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated world as real Kafka producers, closed loop: each request is ranked by the serving
 * client with the newest policy from the policy topic, the impression records the version and the
 * weights served, and the world's feedback is produced when the generator's event-time clock
 * passes it. Event time runs {@code speedup} times faster than wall time; requests come at
 * {@code rate} per wall second. Measures the expected R_post of what it served against static
 * weights and the oracle on the same traffic ({@link #stats()}). Time, sessions and measurement are
 * described in docs/design-generator.md.
 *
 * <pre>{@code
 * try (EventGenerator g = new EventGenerator(GeneratorConfig.builder("localhost:9092").maxRequests(10_000).build())) {
 *     g.start();
 *     g.awaitDone(Duration.ofMinutes(5));
 *     GeneratorStats s = g.stats();
 * }
 * }</pre>
 */
public final class EventGenerator implements AutoCloseable {

    /** Told where each malformed record went, once the broker acknowledged it (on the producer's I/O thread). */
    @FunctionalInterface
    public interface MalformedListener {
        void sent(MalformedKind kind, String topic, int partition, long offset);
    }

    private static final Logger LOG = LoggerFactory.getLogger(EventGenerator.class);
    // wake at least this often to notice stop() and the duration limit
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final GeneratorConfig config;
    private final SimWorld world;
    private final ServingPolicy staticPolicy;
    private final StatsRecorder stats = new StatsRecorder();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean started;
    private volatile boolean stopRequested;
    private volatile Throwable failure;
    private volatile PolicyClient client;
    private final MalformedListener malformedListener;
    private volatile double malformedRate;

    /** Builds the world (about a second for the default size); nothing connects until {@link #start()}. */
    public EventGenerator(GeneratorConfig config) {
        this(config, (kind, topic, partition, offset) -> { });
    }

    /**
     * Like {@link #EventGenerator(GeneratorConfig)}, and tells {@code listener} the topic, partition
     * and offset of every malformed record, so a test can find each one in the dead-letter topic.
     */
    public EventGenerator(GeneratorConfig config, MalformedListener listener) {
        this.config = config;
        this.malformedListener = java.util.Objects.requireNonNull(listener, "listener");
        this.malformedRate = config.malformedRate();
        this.world = config.world().create(config.worldSeed());
        this.staticPolicy = ServingPolicy.staticWeights(config.modelId(), world.taskNames(), world.featureDim(),
                world.fusionKind(), world.fusionBetas(), config.staticWeights());
        this.thread = new Thread(this::run, "grade-generator");
        this.thread.setDaemon(true);
    }

    /** Starts generating on a background thread; once only. */
    public synchronized EventGenerator start() {
        if (started) {
            throw new IllegalStateException("the generator was already started");
        }
        started = true;
        LOG.info("event generator starting: {}", config);
        thread.start();
        return this;
    }

    /** Stops generating (pending feedback is dropped), flushes the producer and waits for the thread; idempotent. */
    public void stop() {
        stopRequested = true;
        if (!started) {
            done.countDown();
            return;
        }
        LockSupport.unpark(thread);
        try {
            if (!done.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("event generator did not stop within {}", STOP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the generator has finished (budget used up, stopped or failed) and flushed. */
    public boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** True once the generator has finished and flushed. */
    public boolean isDone() {
        return done.getCount() == 0;
    }

    /** A snapshot of the counters and measurements; cheap, callable from any thread. */
    public GeneratorStats stats() {
        return stats.snapshot(currentPolicy().version());
    }

    /** The policy serving uses now (the static weights until a policy arrives). */
    public ServingPolicy currentPolicy() {
        PolicyClient c = client;
        return c == null ? staticPolicy : c.current();
    }

    /** The static default weights served as version 0 and used as the comparison baseline. */
    public ServingPolicy staticPolicy() {
        return staticPolicy;
    }

    /**
     * Changes the share of events followed by a malformed record while the generator runs (from
     * the next event on); the kinds stay those of the configuration.
     */
    public void malformedRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("--malformed-rate must be in [0, 1], got " + rate);
        }
        malformedRate = rate;
    }

    /** The simulated world (immutable). */
    public SimWorld world() {
        return world;
    }

    public GeneratorConfig config() {
        return config;
    }

    /** What stopped the generator, if it failed. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        stop();
    }

    private void run() {
        try (PolicyClient policyClient = policyClient();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties())) {
            client = policyClient.start();
            if (!config.policyWarmUp().isZero() && !policyClient.awaitWarmUp(config.policyWarmUp())) {
                LOG.warn("policy topic {} not read to its end within {}; serving v{} meanwhile",
                        config.policyTopic(), config.policyWarmUp(), policyClient.current().version());
            }
            long startEventTime = config.startEventTime() != null ? config.startEventTime().toEpochMilli()
                    : System.currentTimeMillis();
            ClosedLoop loop = new ClosedLoop(world, config, startEventTime, policyClient::current, staticPolicy,
                    (topic, key, value, kind) -> send(producer, topic, key, value, kind), stats);
            loop.malformedRate(() -> malformedRate);
            pace(loop);
            checkSends();
            if (!stopRequested && config.drainFeedback()) {
                loop.drainFeedback();
            }
            producer.flush();
            checkSends();
            stats.finished(System.nanoTime());
            GeneratorStats s = stats();
            LOG.info("event generator done: {} requests, {} feedback events, {} events/s, pending feedback {}",
                    s.requests(), s.feedbackEvents(), Math.round(s.eventsPerSecond()), s.pendingFeedback());
        } catch (Throwable t) {
            failure = t;
            LOG.error("event generator failed", t);
        } finally {
            stats.finished(System.nanoTime());
            done.countDown();
        }
    }

    /**
     * Issues request i at wall time start + i / rate and releases feedback as the event-time clock,
     * start + speedup * elapsed wall time, passes it; the clock never runs past the next request's
     * event time, so records leave in event-time order even when the generator falls behind.
     */
    private void pace(ClosedLoop loop) throws Exception {
        long wallStart = System.nanoTime();
        stats.started(wallStart);
        double nanosPerRequest = 1e9 / config.rate();
        double eventMillisPerNano = config.speedup() / 1e6;
        long deadline = config.duration() == null ? Long.MAX_VALUE : wallStart + config.duration().toNanos();
        long maxRequests = config.maxRequests() == 0 ? Long.MAX_VALUE : config.maxRequests();
        long startEvent = loop.startEventTime();
        while (!stopRequested && loop.requests() < maxRequests) {
            checkSends();
            long now = System.nanoTime();
            if (now >= deadline) {
                break;
            }
            long due = wallStart + (long) (loop.requests() * nanosPerRequest);
            long clock = startEvent + (long) ((now - wallStart) * eventMillisPerNano);
            loop.releaseFeedbackThrough(Math.min(clock, loop.nextRequestTime()));
            if (now >= due) {
                loop.issueRequest(TimeUnit.NANOSECONDS.toMillis(now - due));
                continue;
            }
            long nextFeedback = loop.nextFeedbackTime();
            long feedbackDue = nextFeedback == Long.MAX_VALUE ? Long.MAX_VALUE
                    : wallStart + (long) Math.ceil((nextFeedback - startEvent) / eventMillisPerNano);
            long wake = Math.min(Math.min(due, feedbackDue), Math.min(deadline, now + MAX_PARK_NANOS));
            if (wake > now) {
                LockSupport.parkNanos(wake - now);
            }
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, ClosedLoop.Topic topic, byte[] key, byte[] value,
                      MalformedKind kind) {
        String name = topic == ClosedLoop.Topic.IMPRESSIONS ? config.impressionsTopic() : config.feedbackTopic();
        // No record timestamp: the producer stamps wall time. Event time lives in the payload and may
        // run far ahead of the wall clock, which brokers reject (log.message.timestamp.after.max.ms)
        // or expire by retention when it lies in the past.
        producer.send(new ProducerRecord<>(name, key, value), (meta, e) -> {
            if (e != null) {
                sendFailure.compareAndSet(null, e);
            } else if (kind != null) {
                malformedListener.sent(kind, meta.topic(), meta.partition(), meta.offset());
            }
        });
    }

    private void checkSends() throws Exception {
        Exception e = sendFailure.get();
        if (e != null) {
            throw new IllegalStateException("producing to Kafka failed", e);
        }
    }

    private PolicyClient policyClient() {
        PolicyClient.Builder b = PolicyClient.builder(config.bootstrapServers(), config.policyTopic(), staticPolicy)
                .holdout(config.holdout())
                .onAccepted(s -> stats.policyAccepted(s.getVersion(), s.getCreatedAt(), Instant.now()));
        return b.kafkaProperties(config.kafkaProperties()).build();
    }

    /** Tunable defaults, then the extra Kafka properties, then what the generator must control. */
    private Properties producerProperties() {
        Properties p = new Properties();
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "grade-generator-" + config.seed());
        p.putAll(config.kafkaProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }
}
