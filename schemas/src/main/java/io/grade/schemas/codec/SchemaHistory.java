package io.grade.schemas.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Released versions of each record schema, kept as resources
 * {@code io/grade/schemas/history/<Record>.v<N>.avsc} (N = 1, 2, ...). Writers on any released
 * version stay readable: the decoders register them in their schema store, and a test checks with
 * Avro's SchemaCompatibility that the current schema can read each of them.
 */
public final class SchemaHistory {

    private static final String PREFIX = "/io/grade/schemas/history/";

    private SchemaHistory() {}

    /** Released schemas of the record with the given simple name, oldest first. */
    public static List<Schema> released(String recordName) {
        List<Schema> out = new ArrayList<>();
        for (int v = 1; ; v++) {
            String path = PREFIX + recordName + ".v" + v + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(path)) {
                if (in == null) {
                    return out;
                }
                out.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read released schema " + path, e);
            }
        }
    }
}
