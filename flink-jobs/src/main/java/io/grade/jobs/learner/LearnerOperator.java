package io.grade.jobs.learner;

import io.grade.jobs.publish.PublishedPolicy;
import io.grade.jobs.session.LabelledRequest;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;

/**
 * Runs {@link LearnerFunction} and, when the input ends (bounded input, or stop-with-savepoint
 * --drain), learns from what is still buffered and publishes it, so no labelled request is lost.
 */
public class LearnerOperator extends KeyedProcessOperator<String, LabelledRequest, PublishedPolicy>
        implements BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final LearnerFunction function;
    private final String modelId;

    public LearnerOperator(LearnerFunction function, String modelId) {
        super(function);
        this.function = function;
        this.modelId = modelId;
    }

    @Override
    public void endInput() throws Exception {
        setCurrentKey(modelId);
        function.flush(new TimestampedCollector<>(output), getProcessingTimeService().getCurrentProcessingTime());
    }
}
