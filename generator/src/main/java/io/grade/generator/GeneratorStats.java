package io.grade.generator;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A consistent snapshot of what the generator has done and measured so far: event counts and
 * throughput, expected R_post of the served rankings vs static weights vs the oracle (overall, per
 * policy version, first and last 20 % of the requests, and as a timeline), and when each policy
 * version arrived. Immutable.
 *
 * @param requests requests served (= impressions produced)
 * @param feedbackEvents feedback events produced
 * @param malformedEvents bad records injected
 * @param malformedByKind bad records per kind
 * @param pendingFeedback feedback events scheduled but not yet produced
 * @param eventsProduced all records handed to the producer (impressions, feedback, bad records)
 * @param elapsedSeconds wall time since the generator started producing
 * @param eventsPerSecond eventsProduced / elapsedSeconds
 * @param simulatedTime the generator's event-time clock (event time of the last request)
 * @param behindScheduleMillis how far (wall ms) the last request was issued after its planned wall time
 * @param overall reward figures over all requests
 * @param first reward figures over the first 20 % of the requests
 * @param last reward figures over the last 20 % of the requests
 * @param byVersion reward figures per policy version served (0 = static weights), ascending
 * @param timeline reward figures over consecutive runs of requests, oldest first (at most a few hundred)
 * @param policies every policy version the serving client accepted, in arrival order
 * @param currentVersion the version serving uses now
 * @param controlRequests requests of users in the online holdout's control arm (ranked with static weights)
 * @param treatmentLearned over the treatment arm's requests served by a learned version (version > 0):
 *     the realised R_post the users gave ({@code served}) and the realised R_post of their response to
 *     the static ranking of the same request, drawn with the same random numbers ({@code staticWeights});
 *     {@link RewardSummary#liftOverStatic()} is the simulator's true value of the lift the job's online
 *     holdout estimates from the users' feedback (no oracle figures)
 */
public record GeneratorStats(
        long requests,
        long feedbackEvents,
        long malformedEvents,
        Map<MalformedKind, Long> malformedByKind,
        long pendingFeedback,
        long eventsProduced,
        double elapsedSeconds,
        double eventsPerSecond,
        Instant simulatedTime,
        long behindScheduleMillis,
        RewardSummary overall,
        RewardSummary first,
        RewardSummary last,
        Map<Long, RewardSummary> byVersion,
        List<RewardSummary> timeline,
        List<PolicyArrival> policies,
        long currentVersion,
        long controlRequests,
        RewardSummary treatmentLearned) {

    /**
     * Mean expected R_post over a set of requests, all measured on the same requests: the ranking
     * actually served, the same request ranked by the static default weights, and (on the sampled
     * requests only) the per-request oracle next to the served and static values of that sample.
     *
     * @param firstRequest index of the first request covered
     * @param requests requests covered
     * @param served mean expected R_post of the served rankings (NaN if none)
     * @param staticWeights mean expected R_post of the static-weight rankings (NaN if none)
     * @param oracleRequests requests on which the oracle was solved
     * @param oracle mean oracle R_post on those (NaN if none)
     * @param servedOnOracleSample mean served R_post on the oracle's requests
     * @param staticOnOracleSample mean static R_post on the oracle's requests
     */
    public record RewardSummary(long firstRequest, long requests, double served, double staticWeights,
                                long oracleRequests, double oracle, double servedOnOracleSample,
                                double staticOnOracleSample) {

        /** Relative lift of the served rankings over static weights on the same requests (NaN if none). */
        public double liftOverStatic() {
            return served / staticWeights - 1;
        }

        /**
         * Share of the static-to-oracle gap the served rankings closed, on the oracle's sample: 0 = as
         * good as static weights, 1 = as good as the oracle (NaN if no sample).
         */
        public double gapClosed() {
            return (servedOnOracleSample - staticOnOracleSample) / (oracle - staticOnOracleSample);
        }
    }

    /**
     * One policy version the serving client accepted.
     *
     * @param version the version
     * @param createdAt when the learner made the snapshot (its wall clock)
     * @param acceptedAt when the serving client swapped it in (this process's wall clock)
     * @param firstServedAt when the generator first served a request with it; null if not yet
     * @param firstServedRequest index of that request; -1 if not yet
     */
    public record PolicyArrival(long version, Instant createdAt, Instant acceptedAt, Instant firstServedAt,
                                long firstServedRequest) {

        /** Wall milliseconds from snapshot creation to serving (publish, Kafka, validation, swap). */
        public long freshnessMillis() {
            return acceptedAt.toEpochMilli() - createdAt.toEpochMilli();
        }
    }
}
