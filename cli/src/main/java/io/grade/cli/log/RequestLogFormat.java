package io.grade.cli.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grade.schemas.ExperimentArm;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The request-log line format, version {@value #FORMAT_VERSION} (docs/REQUEST-LOG.md): one JSON
 * object per line. {@link #parse} validates a line completely and names the first problem;
 * {@link #format} writes one.
 */
public final class RequestLogFormat {

    /** The format version this build writes and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SIMPLEX_TOLERANCE = 1e-4;

    private RequestLogFormat() {}

    /** A line that is not a valid request; the message says why (without the line number). */
    public static final class BadRowException extends Exception {
        private static final long serialVersionUID = 1L;

        BadRowException(String reason) {
            super(reason);
        }
    }

    /** Parses and validates one line. */
    public static LoggedRequest parse(String line) throws BadRowException {
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadRowException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadRowException("not a JSON object");
        }
        JsonNode version = root.get("format_version");
        if (version == null || !version.canConvertToExactIntegral()) {
            throw new BadRowException("format_version missing or not an integer");
        }
        if (version.asLong() != FORMAT_VERSION) {
            throw new BadRowException("format_version " + version.asLong() + " is not supported; this build reads "
                    + FORMAT_VERSION);
        }
        String requestId = text(root, "request_id", true);
        String userId = text(root, "user_id", true);
        long eventTime = time(root, "event_time_ms", true, 0);
        String sessionId = text(root, "session_id", false);
        String modelId = text(root, "model_id", false);
        long policyVersion = 0;
        if (present(root, "policy_version")) {
            policyVersion = integral(root.get("policy_version"), "policy_version");
            if (policyVersion < 0) {
                throw new BadRowException("policy_version must be >= 0, got " + policyVersion);
            }
        }
        ExperimentArm arm = ExperimentArm.UNASSIGNED;
        if (present(root, "arm")) {
            String a = text(root, "arm", true);
            try {
                arm = ExperimentArm.valueOf(a);
            } catch (IllegalArgumentException e) {
                throw new BadRowException("arm must be TREATMENT, CONTROL or UNASSIGNED, got " + a);
            }
        }
        double[] features = numbers(root, "features", true);
        if (features.length == 0) {
            throw new BadRowException("features is empty");
        }
        double[] weights = present(root, "served_weights") ? numbers(root, "served_weights", true) : null;
        JsonNode cands = root.get("candidates");
        if (cands == null || !cands.isArray() || cands.isEmpty()) {
            throw new BadRowException("candidates missing, not an array or empty");
        }
        List<LoggedRequest.Candidate> candidates = new ArrayList<>(cands.size());
        Set<String> ids = new HashSet<>();
        int tasks = -1;
        for (int j = 0; j < cands.size(); j++) {
            JsonNode c = cands.get(j);
            String where = "candidates[" + j + "]";
            if (!c.isObject()) {
                throw new BadRowException(where + " is not an object");
            }
            String itemId;
            double[] scores;
            try {
                itemId = text(c, "item_id", true);
                scores = numbers(c, "scores", true);
            } catch (BadRowException e) {
                throw new BadRowException(where + "." + e.getMessage());
            }
            if (!ids.add(itemId)) {
                throw new BadRowException(where + ".item_id " + itemId + " appears twice");
            }
            if (scores.length == 0 || (tasks >= 0 && scores.length != tasks)) {
                throw new BadRowException(where + ".scores has " + scores.length + " entries, expected "
                        + (tasks >= 0 ? tasks : "at least 1"));
            }
            tasks = scores.length;
            for (double s : scores) {
                if (s < 0) {
                    throw new BadRowException(where + ".scores holds a negative score " + s);
                }
            }
            int position = -1;
            if (present(c, "position")) {
                long p = integral(c.get("position"), where + ".position");
                if (p < -1 || p > Integer.MAX_VALUE) {
                    throw new BadRowException(where + ".position must be -1 (not shown) or >= 0, got " + p);
                }
                position = (int) p;
            }
            candidates.add(new LoggedRequest.Candidate(itemId, scores, position, labels(c, where, eventTime)));
        }
        if (weights != null) {
            if (weights.length != tasks) {
                throw new BadRowException("served_weights has " + weights.length + " entries for " + tasks + " tasks");
            }
            double sum = 0;
            for (double w : weights) {
                if (w < 0) {
                    throw new BadRowException("served_weights holds a negative weight " + w);
                }
                sum += w;
            }
            if (Math.abs(sum - 1) > SIMPLEX_TOLERANCE) {
                throw new BadRowException("served_weights sum to " + sum + ", not 1");
            }
        }
        return new LoggedRequest(requestId, userId, eventTime, sessionId, modelId, policyVersion, weights, features,
                List.copyOf(candidates), arm);
    }

    /** One line (no newline) of a request. */
    public static String format(LoggedRequest r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format_version", FORMAT_VERSION);
        o.put("request_id", r.requestId());
        o.put("user_id", r.userId());
        o.put("event_time_ms", r.eventTimeMs());
        if (r.sessionId() != null) {
            o.put("session_id", r.sessionId());
        }
        if (r.modelId() != null) {
            o.put("model_id", r.modelId());
        }
        o.put("policy_version", r.policyVersion());
        if (r.arm() != ExperimentArm.UNASSIGNED) {
            o.put("arm", r.arm().name());
        }
        if (r.servedWeights() != null) {
            array(o.putArray("served_weights"), r.servedWeights());
        }
        array(o.putArray("features"), r.features());
        ArrayNode cands = o.putArray("candidates");
        for (LoggedRequest.Candidate c : r.candidates()) {
            ObjectNode cn = cands.addObject();
            cn.put("item_id", c.itemId());
            array(cn.putArray("scores"), c.scores());
            cn.put("position", c.position());
            if (!c.labels().isEmpty()) {
                ArrayNode ls = cn.putArray("labels");
                for (LoggedRequest.Label l : c.labels()) {
                    ls.addObject().put("type", l.type()).put("value", l.value()).put("time_ms", l.timeMs());
                }
            }
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a request-log line", e);
        }
    }

    private static void array(ArrayNode a, double[] values) {
        for (double v : values) {
            // floats written as the shortest decimal that reads back to the same float when they are floats
            float f = (float) v;
            if (f == v) {
                a.add(f);
            } else {
                a.add(v);
            }
        }
    }

    private static List<LoggedRequest.Label> labels(JsonNode c, String where, long eventTime) throws BadRowException {
        JsonNode ls = c.get("labels");
        if (ls == null || ls.isNull()) {
            return List.of();
        }
        if (!ls.isArray()) {
            throw new BadRowException(where + ".labels is not an array");
        }
        List<LoggedRequest.Label> out = new ArrayList<>(ls.size());
        for (int i = 0; i < ls.size(); i++) {
            JsonNode l = ls.get(i);
            String at = where + ".labels[" + i + "]";
            if (!l.isObject()) {
                throw new BadRowException(at + " is not an object");
            }
            try {
                String type = text(l, "type", true);
                double value = 1.0;
                if (present(l, "value")) {
                    value = number(l.get("value"), "value");
                    if (value < 0) {
                        throw new BadRowException("value must be >= 0, got " + value);
                    }
                }
                long time = time(l, "time_ms", true, eventTime);
                out.add(new LoggedRequest.Label(type, value, time));
            } catch (BadRowException e) {
                throw new BadRowException(at + "." + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private static boolean present(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v != null && !v.isNull();
    }

    private static String text(JsonNode o, String field, boolean required) throws BadRowException {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadRowException(field + " is missing");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new BadRowException(field + " must be a non-blank string");
        }
        return v.asText();
    }

    private static long time(JsonNode o, String field, boolean required, long notBefore) throws BadRowException {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadRowException(field + " is missing");
            }
            return notBefore;
        }
        long t = integral(v, field);
        if (t < notBefore) {
            throw new BadRowException(field + " " + t + (notBefore == 0 ? " is negative"
                    : " is before the request's event_time_ms " + notBefore));
        }
        return t;
    }

    private static long integral(JsonNode v, String field) throws BadRowException {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new BadRowException(field + " must be an integer, got " + v);
        }
        return v.asLong();
    }

    private static double number(JsonNode v, String field) throws BadRowException {
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new BadRowException(field + " must be a finite number, got " + v);
        }
        return v.asDouble();
    }

    private static double[] numbers(JsonNode o, String field, boolean required) throws BadRowException {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadRowException(field + " is missing");
            }
            return null;
        }
        if (!v.isArray()) {
            throw new BadRowException(field + " must be an array of numbers");
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(v.get(i), field + "[" + i + "]");
        }
        return out;
    }
}
