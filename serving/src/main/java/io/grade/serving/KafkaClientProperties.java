package io.grade.serving;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The one convention for extra Kafka client properties (security and the like) of every Kafka
 * client GRADE creates: the job, the serving client, the generator and the CLI.
 *
 * <ul>
 *   <li>{@value #PROPERTY_FLAG} {@code key=value}, repeatable;</li>
 *   <li>{@value #FILE_FLAG} {@code FILE}, a Java properties file; an entry of the flag overrides the
 *       file's entry of the same key.</li>
 * </ul>
 *
 * Properties a client must control itself (serializers, isolation level, transactional ids, ...)
 * are refused with a message naming the property ({@link #refuse}); secret values ({@code
 * sasl.jaas.config}, {@code *.password}, private keys) are never shown ({@link #masked}).
 */
public final class KafkaClientProperties {

    /** The repeatable {@code key=value} flag. */
    public static final String PROPERTY_FLAG = "--kafka-property";
    /** The properties-file flag. */
    public static final String FILE_FLAG = "--kafka-properties";
    /** What a secret value is shown as. */
    public static final String MASK = "******";

    /** Properties every GRADE client sets itself: the address has its own flag, the records are bytes. */
    public static final Map<String, String> ALWAYS_RESERVED = Map.of(
            "bootstrap.servers", "use --bootstrap-servers",
            "key.serializer", "records are written as bytes",
            "value.serializer", "records are written as bytes",
            "key.deserializer", "records are read as bytes",
            "value.deserializer", "records are read as bytes");

    private KafkaClientProperties() {}

    /**
     * The file's properties (when {@code file} is not null) overridden by the {@code key=value}
     * entries.
     *
     * @throws IllegalArgumentException naming the flag: a missing or unreadable file, an entry
     *     without '=' or with an empty key
     */
    public static Map<String, String> merge(Path file, Collection<String> entries) {
        Map<String, String> out = new LinkedHashMap<>();
        if (file != null) {
            out.putAll(load(file));
        }
        if (entries != null) {
            for (String e : entries) {
                Map.Entry<String, String> kv = parseEntry(e);
                out.put(kv.getKey(), kv.getValue());
            }
        }
        return out;
    }

    /** One {@code key=value} entry; the value may contain '=' and be empty. */
    public static Map.Entry<String, String> parseEntry(String entry) {
        int eq = entry == null ? -1 : entry.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("option '" + PROPERTY_FLAG + "': expected key=value, got '"
                    + (entry != null && isSecret(entry) ? MASK : entry) + "'");
        }
        String key = entry.substring(0, eq).trim();
        if (key.isEmpty()) {
            throw new IllegalArgumentException("option '" + PROPERTY_FLAG + "': empty key in '"
                    + masked(entry) + "'");
        }
        return Map.entry(key, entry.substring(eq + 1));
    }

    /** A Java properties file (ISO 8859-1 escapes as in {@link Properties#load}, read as UTF-8). */
    public static Map<String, String> load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("option '" + FILE_FLAG + "': no such file: " + file);
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("option '" + FILE_FLAG + "': cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k.trim(), p.getProperty(k)));
        return out;
    }

    /**
     * Fails when {@code properties} sets a key of {@code reserved} (key -> why the client sets it).
     *
     * @param client what the properties are for, for the message ("the job", "PolicyClient")
     * @throws IllegalArgumentException naming the first such property and the reason
     */
    public static void refuse(Map<String, ?> properties, Map<String, String> reserved, String client) {
        for (String key : new TreeMap<>(properties).keySet()) {
            String why = reserved.get(key.trim());
            if (why != null) {
                throw new IllegalArgumentException("Kafka client property '" + key + "' cannot be set for " + client
                        + " (" + PROPERTY_FLAG + ", " + FILE_FLAG + "): " + why);
            }
        }
    }

    /** {@link #ALWAYS_RESERVED} plus {@code more}. */
    public static Map<String, String> reserved(Map<String, String> more) {
        Map<String, String> all = new TreeMap<>(ALWAYS_RESERVED);
        all.putAll(more);
        return Map.copyOf(all);
    }

    /** Whether the value of this property is a secret (never logged). */
    public static boolean isSecret(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        return k.endsWith("sasl.jaas.config") || k.contains("password") || k.endsWith(".key")
                || k.contains("secret") || k.contains("credentials") || k.endsWith("token");
    }

    /** The properties with secret values replaced by {@link #MASK}, sorted by key: for logs and dashboards. */
    public static Map<String, String> masked(Map<String, ?> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> out.put(k, isSecret(k) ? MASK : String.valueOf(v)));
        return out;
    }

    /** A {@code key=value} entry with a secret value masked. */
    public static String masked(String entry) {
        int eq = entry.indexOf('=');
        return eq >= 0 && isSecret(entry.substring(0, eq)) ? entry.substring(0, eq + 1) + MASK : entry;
    }
}
