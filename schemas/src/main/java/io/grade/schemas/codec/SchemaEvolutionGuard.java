package io.grade.schemas.codec;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/** Checks that a candidate reader schema can read every released writer schema of its record. */
public final class SchemaEvolutionGuard {

    private SchemaEvolutionGuard() {}

    /** Human-readable incompatibilities; empty when {@code reader} reads all of {@code released}. */
    public static List<String> incompatibilities(Schema reader, List<Schema> released) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < released.size(); i++) {
            SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(reader, released.get(i));
            if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
                problems.add(reader.getName() + " cannot read released v" + (i + 1) + ": "
                        + result.getResult().getIncompatibilities());
            }
        }
        return problems;
    }
}
