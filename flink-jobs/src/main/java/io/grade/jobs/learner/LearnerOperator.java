package io.grade.jobs.learner;

import io.grade.jobs.publish.PolicyTopicRecord;
import io.grade.jobs.publish.PublishedPolicy;
import io.grade.jobs.session.LabelledRequest;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;

/**
 * Runs {@link LearnerFunction} on the labelled requests (input 1) and the policy topic (input 2)
 * and, when the labelled requests end (bounded input, or stop-with-savepoint --drain), learns from
 * what is still buffered and publishes it, so no labelled request is lost.
 */
public class LearnerOperator extends KeyedCoProcessOperator<String, LabelledRequest, PolicyTopicRecord, PublishedPolicy>
        implements BoundedMultiInput {

    private static final long serialVersionUID = 1L;

    private final LearnerFunction function;
    private final String modelId;

    public LearnerOperator(LearnerFunction function, String modelId) {
        super(function);
        this.function = function;
        this.modelId = modelId;
    }

    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId != 1) {
            return; // the policy topic ended (bounded run): nothing is buffered on its account
        }
        setCurrentKey(modelId);
        function.flush(new TimestampedCollector<>(output), getProcessingTimeService().getCurrentProcessingTime());
    }
}
