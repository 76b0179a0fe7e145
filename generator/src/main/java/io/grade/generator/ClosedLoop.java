package io.grade.generator;

import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.OnlineHoldout;
import io.grade.serving.Ranker;
import io.grade.serving.Ranking;
import io.grade.serving.ServingPolicy;
import io.grade.simulator.Oracle;
import io.grade.simulator.SimFeedback;
import io.grade.simulator.SimOutcome;
import io.grade.simulator.SimRequest;
import io.grade.simulator.SimWorld;
import io.grade.simulator.World;
import java.nio.charset.StandardCharsets;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The deterministic heart of the generator, free of Kafka and wall clocks: request {@code i} is
 * served at event time {@code start + i * interval} to the user the {@link SessionScheduler}
 * picks, ranked by the serving client with the policy it holds, answered by the world on exactly
 * that ranking; its feedback waits in a {@link FeedbackQueue} until the clock passes its event
 * time. Every record goes to a {@link Sink} in event-time order. Not thread-safe: one thread drives it.
 *
 * <p>Randomness comes from separate streams of the traffic seed, so what requests look like
 * (users, sessions, features, candidates, scores) does not depend on the policy served, and the
 * response to request {@code i} uses its own stream: two policies are compared on the same users
 * with the same random numbers.
 */
final class ClosedLoop {

    /** Where records go. */
    interface Sink {
        /**
         * One record for a topic: a valid event (kind null, the key is the user id) or a hostile
         * record of {@code kind} (key and value may be null).
         */
        void send(Topic topic, byte[] key, byte[] value, MalformedKind kind);
    }

    /** The two output topics. */
    enum Topic { IMPRESSIONS, FEEDBACK }

    // distinct constants so the sub-streams of one seed are unrelated
    private static final long SCHEDULE_STREAM = 0x5EED_0001L;
    private static final long REQUEST_STREAM = 0x5EED_0002L;
    private static final long RESPONSE_STREAM = 0x5EED_0003L;
    private static final long EXPLORE_STREAM = 0x5EED_0004L;
    private static final long MALFORMED_STREAM = 0x5EED_0005L;

    private final SimWorld world;
    private final Oracle oracle;
    private final long startEventTime;
    private final double intervalMillis;
    private final Supplier<ServingPolicy> policy;
    private final ServingPolicy staticPolicy;
    private final double[] staticWeights;
    private final boolean explore;
    private final OnlineHoldout holdout;
    private final int oracleEvery;
    private DoubleSupplier malformedRate;
    private final long responseSeed;
    private final Sink sink;
    private final StatsRecorder stats;
    private final SessionScheduler scheduler;
    private final UniformRandomProvider requestRng;
    private final UniformRandomProvider exploreRng;
    private final UniformRandomProvider malformedRng;
    private final MalformedRecords malformed;
    private final EventFactory factory;
    private final FeedbackQueue queue = new FeedbackQueue();
    private final EventCodec<Impression> impressionCodec = EventCodec.impressions();
    private final EventCodec<Feedback> feedbackCodec = EventCodec.feedback();
    private long issued;

    /**
     * @param startEventTime event time of request 0
     * @param policy the policy serving holds now (read once per request)
     * @param staticPolicy version 0: the fallback and the comparison baseline
     */
    ClosedLoop(SimWorld world, GeneratorConfig config, long startEventTime, Supplier<ServingPolicy> policy,
               ServingPolicy staticPolicy, Sink sink, StatsRecorder stats) {
        this.world = world;
        this.oracle = world.oracle();
        this.startEventTime = startEventTime;
        this.intervalMillis = config.requestIntervalEventMillis();
        this.policy = policy;
        this.staticPolicy = staticPolicy;
        this.staticWeights = config.staticWeights();
        this.explore = config.explore();
        this.holdout = config.holdout();
        this.oracleEvery = config.oracleEvery();
        double rate = config.malformedRate();
        this.malformedRate = () -> rate;
        this.sink = sink;
        this.stats = stats;
        long seed = config.seed();
        this.scheduler = new SessionScheduler(world.users(), config.sessionRequestsMean(),
                config.sessionGapMean().toMillis(), World.rng(seed ^ SCHEDULE_STREAM));
        this.requestRng = World.rng(seed ^ REQUEST_STREAM);
        this.exploreRng = World.rng(seed ^ EXPLORE_STREAM);
        this.malformedRng = World.rng(seed ^ MALFORMED_STREAM);
        this.responseSeed = World.rng(seed ^ RESPONSE_STREAM).nextLong();
        this.malformed = new MalformedRecords(malformedRng, impressionCodec, feedbackCodec,
                config.malformedKinds());
        this.factory = new EventFactory(config.modelId(), seed);
    }

    /** Where the malformed rate comes from from now on (the generator can change it while it runs). */
    void malformedRate(DoubleSupplier rate) {
        this.malformedRate = rate;
    }

    /** Requests issued so far (the index of the next one). */
    long requests() {
        return issued;
    }

    long startEventTime() {
        return startEventTime;
    }

    /** Event time of the next request. */
    long nextRequestTime() {
        return startEventTime + (long) Math.floor(issued * intervalMillis);
    }

    /** Event time of the earliest pending feedback, {@link Long#MAX_VALUE} if none. */
    long nextFeedbackTime() {
        return queue.nextTime();
    }

    int pendingFeedback() {
        return queue.size();
    }

    SessionScheduler scheduler() {
        return scheduler;
    }

    /** Produces every pending feedback event with event time {@code <= through}, in event-time order. */
    void releaseFeedbackThrough(long through) {
        FeedbackQueue.Pending p;
        boolean any = false;
        while ((p = queue.pollDue(through)) != null) {
            byte[] value = feedbackCodec.encode(p.feedback());
            sink.send(Topic.FEEDBACK, p.key().getBytes(StandardCharsets.UTF_8), value, null);
            stats.event();
            stats.feedback();
            any = true;
            double rate = malformedRate.getAsDouble();
            if (rate > 0 && malformedRng.nextDouble() < rate) {
                send(malformed.feedback(p.feedback(), value));
            }
        }
        if (any) {
            stats.pendingFeedback(queue.size());
        }
    }

    private void send(MalformedRecords.Bad bad) {
        if (bad != null) {
            sink.send(bad.topic(), bad.key(), bad.value(), bad.kind());
            stats.event();
            stats.malformed(bad.kind());
        }
    }

    /** Produces all pending feedback at once (the end of a bounded run). */
    void drainFeedback() {
        releaseFeedbackThrough(Long.MAX_VALUE);
    }

    /**
     * Serves the next request: releases the feedback due by its event time, ranks it with the
     * current policy, produces the impression, schedules the world's feedback and records the
     * expected R_post of the served, static and oracle rankings.
     *
     * @param behindScheduleMillis how late (wall ms) the caller issues it, for the stats
     */
    void issueRequest(long behindScheduleMillis) {
        long index = issued;
        long t = nextRequestTime();
        releaseFeedbackThrough(t);
        SessionScheduler.Slot slot = scheduler.next(t);
        SimRequest r = world.requestFor(slot.user(), requestRng, t);
        int m = r.items();
        float[] x = new float[r.features().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.features()[i];
        }
        // Serving sees the scores as the impression carries them (floats), so the learner, which
        // only has the impression, can reproduce the served ranking exactly.
        double[] scores = new double[r.scores().length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) r.scores()[i];
        }
        String key = EventFactory.userId(r.user());
        // the online holdout: users in the control arm are ranked with the static weights
        ExperimentArm arm = holdout.armOf(key);
        ServingPolicy served = arm == ExperimentArm.CONTROL ? staticPolicy : policy.get();
        Ranking ranking = explore ? Ranker.rankExploring(served, x, scores, m, exploreRng)
                : Ranker.rank(served, x, scores, m);
        SimOutcome outcome = world.respond(r, ranking.weights(), ranking.order(), World.rng(responseSeed + index));

        String requestId = factory.requestId(index);
        Impression impression = factory.impression(requestId, factory.sessionId(slot.sessionId()), r, x, scores,
                ranking.order(), outcome.shown(), ranking.weights(), ranking.policyVersion(), arm);
        byte[] value = impressionCodec.encode(impression);
        sink.send(Topic.IMPRESSIONS, key.getBytes(StandardCharsets.UTF_8), value, null);
        stats.event();
        double rate = malformedRate.getAsDouble();
        if (rate > 0 && malformedRng.nextDouble() < rate) {
            send(malformed.impression(impression, value));
        }
        for (SimFeedback f : outcome.feedback()) {
            queue.add(key, factory.feedback(requestId, r, f));
        }
        stats.pendingFeedback(queue.size());
        issued++;

        Oracle.Evaluator evaluator = oracle.evaluator(r);
        double servedPost = evaluator.expectedPostOfRanking(ranking.order());
        double staticPost = served == staticPolicy ? servedPost
                : evaluator.expectedPostOfRanking(Ranker.rankWith(staticPolicy, staticWeights, scores, m).order());
        double oraclePost = oracleEvery > 0 && index % oracleEvery == 0 ? oracle.solve(r).expectedPost() : Double.NaN;
        // The online holdout's truth: on a treatment request served by a learned policy, the R_post the
        // user gave (realised labels, as the job computes it) and the R_post the same user would have
        // given to the static ranking (the world's response to it, drawn with the same random numbers)
        double realisedServed = Double.NaN;
        double realisedStatic = Double.NaN;
        if (arm == ExperimentArm.TREATMENT && ranking.policyVersion() > 0) {
            realisedServed = oracle.realisedPost(outcome);
            int[] staticOrder = Ranker.rankWith(staticPolicy, staticWeights, scores, m).order();
            realisedStatic = oracle.realisedPost(world.respond(r, staticWeights, staticOrder,
                    World.rng(responseSeed + index)));
        }
        stats.request(index, ranking.policyVersion(), arm, servedPost, staticPost, oraclePost, t, behindScheduleMillis);
        stats.treatmentRealised(realisedServed, realisedStatic);
    }
}
