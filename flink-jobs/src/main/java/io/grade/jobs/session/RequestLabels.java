package io.grade.jobs.session;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.reward.ServedRanking;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The part of an open request that feedback reads and updates: what a feedback event is matched and
 * checked against (impression time, the item ids as one UTF-8 blob), the label-independent part of
 * the served ranking's reward, and the labels so far, kept sparse (most of a request's items x tasks
 * cells stay 0). Small, so a feedback event never touches the impression data in
 * {@link OpenRequest}. Stored with {@link RequestLabelsSerializer} in keyed MapState by request id.
 */
public final class RequestLabels {

    /** Event time of the impression. */
    long eventTime;
    int tasks;
    /** The item ids, UTF-8, concatenated; item j ends at {@code itemEnds[j]}. */
    byte[] itemIdBytes;
    int[] itemEnds;
    ServedRanking ranking;
    /** Sparse labels: cell {@code cells[i]} = item * tasks + task has label {@code values[i]}, i < count. */
    int[] cells;
    double[] values;
    int count;
    /** Ids of every feedback event applied or rejected for this request: dedup within its lifetime. */
    String[] feedbackEventIds;
    int joinedFeedback;

    RequestLabels() {}

    /** The labels of a request that opens, all 0, with its served ranking's fixed reward parts. */
    public static RequestLabels open(ImpressionEvent e, ServedRanking ranking, int tasks) {
        RequestLabels l = new RequestLabels();
        l.eventTime = e.eventTime;
        l.tasks = tasks;
        byte[][] encoded = new byte[e.itemIds.length][];
        int total = 0;
        for (int j = 0; j < encoded.length; j++) {
            encoded[j] = e.itemIds[j].getBytes(StandardCharsets.UTF_8);
            total += encoded[j].length;
        }
        l.itemIdBytes = new byte[total];
        l.itemEnds = new int[encoded.length];
        int at = 0;
        for (int j = 0; j < encoded.length; j++) {
            System.arraycopy(encoded[j], 0, l.itemIdBytes, at, encoded[j].length);
            at += encoded[j].length;
            l.itemEnds[j] = at;
        }
        l.ranking = ranking;
        l.cells = new int[0];
        l.values = new double[0];
        l.feedbackEventIds = new String[0];
        return l;
    }

    /**
     * Applies one feedback event: counted once per event id, matched to its item, checked against
     * its task's window, then folded into the labels (binary tasks keep the max value, value tasks
     * sum amounts). Mutates these labels.
     */
    public FeedbackOutcome apply(FeedbackEvent f, GradeConfig config) {
        for (String id : feedbackEventIds) {
            if (id.equals(f.eventId)) {
                return FeedbackOutcome.DUPLICATE;
            }
        }
        feedbackEventIds = Arrays.copyOf(feedbackEventIds, feedbackEventIds.length + 1);
        feedbackEventIds[feedbackEventIds.length - 1] = f.eventId;
        int item = indexOf(f.itemId);
        if (item < 0) {
            return FeedbackOutcome.UNKNOWN_ITEM;
        }
        if (f.eventTime >= eventTime + config.taskWindowMs(f.task)) {
            return FeedbackOutcome.LATE;
        }
        int cell = item * tasks + f.task;
        int i = cellIndex(cell);
        if (i < 0) {
            if (count == cells.length) {
                cells = Arrays.copyOf(cells, count + 4);
                values = Arrays.copyOf(values, count + 4);
            }
            i = count++;
            cells[i] = cell;
            values[i] = 0.0;
        }
        values[i] = config.binaryTask(f.task) ? Math.max(values[i], f.value) : values[i] + f.value;
        joinedFeedback++;
        return FeedbackOutcome.JOINED;
    }

    /** Index of an item id, -1 if the request has no such item; compares UTF-8 bytes, decodes nothing. */
    int indexOf(String itemId) {
        byte[] id = itemId.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        for (int j = 0; j < itemEnds.length; j++) {
            int end = itemEnds[j];
            if (end - start == id.length && Arrays.equals(itemIdBytes, start, end, id, 0, id.length)) {
                return j;
            }
            start = end;
        }
        return -1;
    }

    private int cellIndex(int cell) {
        for (int i = 0; i < count; i++) {
            if (cells[i] == cell) {
                return i;
            }
        }
        return -1;
    }

    public int items() {
        return itemEnds.length;
    }

    public int tasks() {
        return tasks;
    }

    /** Label of item j for task k. */
    public double label(int item, int task) {
        int i = cellIndex(item * tasks + task);
        return i < 0 ? 0.0 : values[i];
    }

    /** The labels as the dense items x tasks row-major matrix of a {@link LabelledRequest}. */
    public double[] denseLabels() {
        double[] dense = new double[items() * tasks];
        for (int i = 0; i < count; i++) {
            dense[cells[i]] = values[i];
        }
        return dense;
    }

    /** The item ids, decoded. */
    public String[] itemIds() {
        String[] ids = new String[itemEnds.length];
        int start = 0;
        for (int j = 0; j < ids.length; j++) {
            ids[j] = new String(itemIdBytes, start, itemEnds[j] - start, StandardCharsets.UTF_8);
            start = itemEnds[j];
        }
        return ids;
    }

    public ServedRanking ranking() {
        return ranking;
    }

    public int joinedFeedback() {
        return joinedFeedback;
    }

    public String[] feedbackEventIds() {
        return feedbackEventIds;
    }

    /** Sparse cells (item * tasks + task), valid up to {@link #count()}. */
    public int[] cells() {
        return cells;
    }

    public double[] values() {
        return values;
    }

    public int count() {
        return count;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RequestLabels l)) {
            return false;
        }
        return eventTime == l.eventTime && tasks == l.tasks && count == l.count && joinedFeedback == l.joinedFeedback
                && Arrays.equals(itemIdBytes, l.itemIdBytes) && Arrays.equals(itemEnds, l.itemEnds)
                && Arrays.equals(ranking.topK(), l.ranking.topK())
                && Double.compare(ranking.prior(), l.ranking.prior()) == 0
                && Double.compare(ranking.formatFraction(), l.ranking.formatFraction()) == 0
                && Arrays.equals(cells, 0, count, l.cells, 0, l.count)
                && Arrays.equals(values, 0, count, l.values, 0, l.count)
                && Arrays.equals(feedbackEventIds, l.feedbackEventIds);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(eventTime) * 31 + Arrays.hashCode(itemEnds);
    }

    @Override
    public String toString() {
        return "RequestLabels{t=" + eventTime + ", items=" + items() + ", labelled cells=" + count
                + ", joined=" + joinedFeedback + "}";
    }
}
