package io.grade.jobs;

import io.grade.jobs.events.DeadLetterRecord;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.UnmatchedFeedback;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The streams {@link JoinPipeline#build} returns, for the caller to attach sinks or further stages.
 *
 * @param labelledRequests one per request when its attribution window closes, timestamped at the
 *     close; the learner stage appends here
 * @param deadLetters every rejected input: decode/validation failures of both topics plus the
 *     late, orphaned and unknown-item feedback below as dead letters
 * @param lateFeedback feedback after its window (also inside {@code deadLetters})
 * @param orphanedFeedback feedback without impression or with an unknown item (also inside {@code deadLetters})
 */
public record JoinOutputs(DataStream<LabelledRequest> labelledRequests,
                          DataStream<DeadLetterRecord> deadLetters,
                          DataStream<UnmatchedFeedback> lateFeedback,
                          DataStream<UnmatchedFeedback> orphanedFeedback) {}
