package io.grade.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.schemas.DeadLetter;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.PolicySnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SchemaEvolutionGuardTest {

    static Stream<Schema> currentSchemas() {
        return Stream.of(Impression.getClassSchema(), Feedback.getClassSchema(),
                PolicySnapshot.getClassSchema(), io.grade.schemas.PolicyControl.getClassSchema(),
                DeadLetter.getClassSchema());
    }

    @ParameterizedTest
    @MethodSource("currentSchemas")
    void currentSchemaShouldReadEveryReleasedVersion(Schema current) {
        List<Schema> released = SchemaHistory.released(current.getName());
        assertThat(released).as("released versions of %s", current.getName()).isNotEmpty();
        assertThat(SchemaEvolutionGuard.incompatibilities(current, released)).isEmpty();
    }

    @Test
    void shouldRejectANewFieldWithoutDefault() throws IOException {
        Schema candidate = fixture("Feedback.incompatible.avsc");
        List<String> problems = SchemaEvolutionGuard.incompatibilities(candidate, SchemaHistory.released("Feedback"));
        assertThat(problems).singleElement().asString().contains("channel");
    }

    static Schema fixture(String name) throws IOException {
        try (InputStream in = SchemaEvolutionGuardTest.class.getResourceAsStream("/evolution/" + name)) {
            return new Schema.Parser().parse(in);
        }
    }
}
