package io.grade.simulator;

/**
 * One feedback event of a served request, as the event generator would publish it.
 *
 * @param itemIndex index of the item in the request's candidate list
 * @param itemId catalogue id of the item
 * @param position 0-based position the item was shown at
 * @param task task index the feedback fills
 * @param type feedback type name (configured per task, e.g. click, order, profit, gmv)
 * @param value label value: 1 for binary feedback, the amount for value tasks
 * @param delayMillis time from the impression to the feedback event
 */
public record SimFeedback(int itemIndex, int itemId, int position, int task, String type, double value,
                          long delayMillis) {}
