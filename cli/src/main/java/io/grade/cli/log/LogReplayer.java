package io.grade.cli.log;

import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.KafkaClientProperties;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Turns request-log rows into the product's events on Kafka: one {@link Impression} per request at
 * its event time and one {@link Feedback} per label at the label's time, in single-object encoding,
 * keyed by user id. Events leave in event-time order: a label waits until the log reaches its time
 * (rows out of order go out as they come; the job tolerates its out-of-orderness). Ids are
 * deterministic, so replaying a log twice is deduplicated by the job: impression {@code
 * imp-<request>}, feedback {@code fb-<request>-<item>-<type>-<n>} (n-th label of that type).
 * With a pace factor {@code p > 0} an event at event time t leaves at wall time start + (t - t0) / p.
 */
public final class LogReplayer implements AutoCloseable {

    /**
     * Where and how to replay.
     *
     * @param bootstrapServers Kafka bootstrap servers
     * @param kafkaProperties extra Kafka client properties of the producer
     * @param impressionsTopic topic of the impressions
     * @param feedbackTopic topic of the feedback
     * @param defaultModelId model id of rows without one
     * @param paceFactor event-time ms per wall ms; 0 = as fast as Kafka takes them
     */
    public record Config(String bootstrapServers, Map<String, String> kafkaProperties, String impressionsTopic,
                         String feedbackTopic, String defaultModelId, double paceFactor) {
        /** Validates. */
        public Config {
            if (!(paceFactor >= 0) || !Double.isFinite(paceFactor)) {
                throw new IllegalArgumentException("--pace-factor must be >= 0 (0 = full speed), got " + paceFactor);
            }
            kafkaProperties = Map.copyOf(kafkaProperties);
            KafkaClientProperties.refuse(kafkaProperties, RESERVED_KAFKA_PROPERTIES, "grade replay");
        }
    }

    /**
     * The figures of a replay.
     *
     * @param impressions impressions produced
     * @param feedback feedback events produced
     * @param firstEventTimeMs earliest event time produced (Long.MAX_VALUE when none)
     * @param lastEventTimeMs latest event time produced (Long.MIN_VALUE when none)
     */
    public record Stats(long impressions, long feedback, long firstEventTimeMs, long lastEventTimeMs) {}

    /** Kafka properties the replay producer sets itself (bytes, idempotent, acks=all). */
    public static final Map<String, String> RESERVED_KAFKA_PROPERTIES = KafkaClientProperties.reserved(Map.of(
            "enable.idempotence", "the replay producer is idempotent",
            "acks", "the replay producer waits for all in-sync replicas"));

    private record Pending(long timeMs, long seq, String userId, Feedback event) {}

    private final Config config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventCodec<Impression> impressions = EventCodec.impressions();
    private final EventCodec<Feedback> feedbackCodec = EventCodec.feedback();
    private final PriorityQueue<Pending> pending = new PriorityQueue<>((a, b) -> a.timeMs != b.timeMs
            ? Long.compare(a.timeMs, b.timeMs) : Long.compare(a.seq, b.seq));
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private long seq;
    private long impressionCount;
    private long feedbackCount;
    private long first = Long.MAX_VALUE;
    private long last = Long.MIN_VALUE;
    private long wallStart = -1;
    private long eventStart;

    /** Opens the producer. */
    public LogReplayer(Config config) {
        this.config = config;
        this.producer = new KafkaProducer<>(producerProperties(config));
    }

    /** Produces the request's impression, after the pending feedback that is due before it. */
    public void replay(LoggedRequest r) throws InterruptedException {
        drainUntil(r.eventTimeMs());
        send(config.impressionsTopic(), r.userId(), impressions.encode(impression(r, config.defaultModelId())),
                r.eventTimeMs());
        impressionCount++;
        for (LoggedRequest.Candidate c : r.candidates()) {
            Map<String, Integer> perType = new java.util.HashMap<>();
            for (LoggedRequest.Label l : c.labels()) {
                int n = perType.merge(l.type(), 1, Integer::sum) - 1;
                Feedback f = Feedback.newBuilder()
                        .setEventId("fb-" + r.requestId() + "-" + c.itemId() + "-" + l.type() + "-" + n)
                        .setRequestId(r.requestId())
                        .setUserId(r.userId())
                        .setItemId(c.itemId())
                        .setEventTime(Instant.ofEpochMilli(l.timeMs()))
                        .setType(l.type())
                        .setValue(l.value())
                        .build();
                pending.add(new Pending(l.timeMs(), seq++, r.userId(), f));
            }
        }
    }

    /** Produces every pending feedback event, waits for the broker to acknowledge everything, and returns the figures. */
    public Stats finish() throws InterruptedException {
        drainUntil(Long.MAX_VALUE);
        producer.flush();
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("Kafka refused a replayed event: " + e, e);
        }
        return new Stats(impressionCount, feedbackCount, first, last);
    }

    /** The impression of a logged request; rows without served weights get uniform weights and version 0. */
    static Impression impression(LoggedRequest r, String defaultModelId) {
        int n = r.tasks();
        List<Item> items = new ArrayList<>(r.candidates().size());
        for (LoggedRequest.Candidate c : r.candidates()) {
            List<Float> s = new ArrayList<>(n);
            for (double v : c.scores()) {
                s.add((float) v);
            }
            items.add(new Item(c.itemId(), c.position(), s));
        }
        List<Float> x = new ArrayList<>(r.features().length);
        for (double f : r.features()) {
            x.add((float) f);
        }
        double[] w = r.servedWeights();
        long version = r.policyVersion();
        if (w == null) {
            w = new double[n];
            Arrays.fill(w, 1.0 / n);
            version = 0;
        }
        List<Double> weights = new ArrayList<>(n);
        for (double v : w) {
            weights.add(v);
        }
        return Impression.newBuilder()
                .setEventId("imp-" + r.requestId())
                .setRequestId(r.requestId())
                .setUserId(r.userId())
                .setSessionHint(r.sessionId())
                .setEventTime(Instant.ofEpochMilli(r.eventTimeMs()))
                .setModelId(r.modelId() == null ? defaultModelId : r.modelId())
                .setPolicyVersion(version)
                .setServedWeights(weights)
                .setFeatures(x)
                .setItems(items)
                .setArm(r.arm())
                .build();
    }

    private void drainUntil(long timeMs) throws InterruptedException {
        while (!pending.isEmpty() && pending.peek().timeMs() <= timeMs) {
            Pending p = pending.poll();
            send(config.feedbackTopic(), p.userId(), feedbackCodec.encode(p.event()), p.timeMs());
            feedbackCount++;
        }
    }

    private void send(String topic, String key, byte[] value, long eventTimeMs) throws InterruptedException {
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("Kafka refused a replayed event: " + e, e);
        }
        pace(eventTimeMs);
        first = Math.min(first, eventTimeMs);
        last = Math.max(last, eventTimeMs);
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value), (meta, ex) -> {
            if (ex != null) {
                failure.compareAndSet(null, ex);
            } else {
                acknowledged.incrementAndGet();
            }
        });
    }

    /** Holds the event back until its wall time under the pace factor (a product feature, not a test wait). */
    private void pace(long eventTimeMs) throws InterruptedException {
        if (config.paceFactor() == 0) {
            return;
        }
        long now = System.nanoTime();
        if (wallStart < 0) {
            wallStart = now;
            eventStart = eventTimeMs;
            return;
        }
        long dueNanos = wallStart + (long) ((eventTimeMs - eventStart) * 1e6 / config.paceFactor());
        long wait = dueNanos - now;
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    private static Properties producerProperties(Config c) {
        Properties p = new Properties();
        p.putAll(c.kafkaProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "grade-replay");
        return p;
    }

    @Override
    public void close() {
        producer.close();
    }
}
