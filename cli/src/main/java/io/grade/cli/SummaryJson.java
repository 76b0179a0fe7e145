package io.grade.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a command's figures as one JSON object: numbers, booleans and strings, and for the
 * commands that report curves ({@code bench learning}) nested maps and lists of them.
 */
public final class SummaryJson {

    private SummaryJson() {}

    /**
     * Renders a map as a JSON object, keys in the map's order; non-finite numbers become null,
     * nested maps objects and lists arrays.
     */
    public static String render(Map<String, ?> figures) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, ?> e : figures.entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            sb.append(quote(e.getKey())).append(": ").append(value(e.getValue()));
        }
        return sb.append("}").toString();
    }

    /** Writes {@link #render} to {@code file} (parent directories created). */
    public static void write(Path file, Map<String, ?> figures) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(figures) + "\n", StandardCharsets.UTF_8);
    }

    private static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? d.toString() : "null";
        }
        if (v instanceof Float f) {
            return Float.isFinite(f) ? f.toString() : "null";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> keyed = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> keyed.put(String.valueOf(k), x));
            return render(keyed);
        }
        if (v instanceof Iterable<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (Object x : list) {
                if (sb.length() > 1) {
                    sb.append(", ");
                }
                sb.append(value(x));
            }
            return sb.append("]").toString();
        }
        return quote(v.toString());
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
