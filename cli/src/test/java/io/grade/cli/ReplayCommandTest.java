package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.cli.log.RequestLogFormatTest;
import io.grade.schemas.Feedback;
import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code grade replay} on a real broker: the log's requests and labels as the job's events, bad rows reported. */
class ReplayCommandTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void shouldProduceTheImpressionsAndFeedbackOfTheLogAndReportTheBadRowByLine(@TempDir Path dir) throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String impressions = EmbeddedKafkaBroker.uniqueTopic("replay-imp");
        String feedback = EmbeddedKafkaBroker.uniqueTopic("replay-fb");
        broker.createTopic(impressions, 1);
        broker.createTopic(feedback, 1);
        String second = RequestLogFormatTest.GOOD.replace("\"r1\"", "\"r2\"").replace("\"u1\"", "\"u2\"")
                .replace("\"event_time_ms\":1000", "\"event_time_ms\":1200").replace("\"served_weights\":[0.5,0.5],", "")
                .replace("\"time_ms\":1500", "\"time_ms\":1300").replace("\"event_time_ms\":1200,", "\"event_time_ms\":1200,\"arm\":\"CONTROL\",");
        Path log = dir.resolve("log.jsonl");
        Files.writeString(log, RequestLogFormatTest.GOOD + "\n" + second + "\n{\"format_version\":1}\n",
                StandardCharsets.UTF_8);
        Path summary = dir.resolve("replay.json");

        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int code = cli.execute("replay", "--input", log.toString(), "--bootstrap-servers", broker.bootstrapServers(),
                "--impressions-topic", impressions, "--feedback-topic", feedback, "--summary-json", summary.toString());

        assertThat(code).isZero();
        assertThat(err.toString()).contains(log + ":3: bad row: request_id is missing");
        assertThat(Files.readString(summary)).contains("\"requests\": 2", "\"bad_rows\": 1", "\"impressions\": 2",
                "\"feedback_events\": 2");

        List<ConsumerRecord<byte[], byte[]>> imp = broker.readAll(impressions);
        assertThat(imp).extracting(r -> new String(r.key(), StandardCharsets.UTF_8)).containsExactly("u1", "u2");
        Impression first = EventCodec.impressions().decode(imp.get(0).value()).value();
        assertThat(first.getRequestId()).isEqualTo("r1");
        assertThat(first.getEventTime()).isEqualTo(Instant.ofEpochMilli(1000));
        assertThat(first.getServedWeights()).containsExactly(0.5, 0.5);
        assertThat(first.getItems()).extracting(i -> i.getItemId() + "@" + i.getPosition()).containsExactly("a@0", "b@1");
        Impression noWeights = EventCodec.impressions().decode(imp.get(1).value()).value();
        assertThat(noWeights.getPolicyVersion()).isZero();
        assertThat(noWeights.getServedWeights()).containsExactly(0.5, 0.5);
        assertThat(first.getArm()).isEqualTo(ExperimentArm.UNASSIGNED);
        assertThat(noWeights.getArm()).as("the logged arm").isEqualTo(ExperimentArm.CONTROL);

        // feedback at the labels' times, in event-time order across requests (r2's label at 1300 before r1's at 1500)
        List<Feedback> fb = broker.readAll(feedback).stream()
                .map(r -> EventCodec.feedback().decode(r.value()).value()).toList();
        assertThat(fb).extracting(f -> f.getRequestId() + "/" + f.getItemId() + "/" + f.getType() + "@"
                + f.getEventTime().toEpochMilli()).containsExactly("r2/a/click@1300", "r1/a/click@1500");
        assertThat(fb).extracting(Feedback::getUserId).containsExactly("u2", "u1");
    }

    @Test
    void shouldStopWithExitCodeOneBeyondMaxBadRows(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("bad.jsonl");
        Files.writeString(log, "garbage\n" + RequestLogFormatTest.GOOD + "\nmore garbage\n", StandardCharsets.UTF_8);
        String impressions = EmbeddedKafkaBroker.uniqueTopic("i");
        String feedback = EmbeddedKafkaBroker.uniqueTopic("f");
        KAFKA.broker().createTopic(impressions, 1);
        KAFKA.broker().createTopic(feedback, 1);
        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("replay", "--input", log.toString(), "--bootstrap-servers",
                KAFKA.broker().bootstrapServers(), "--impressions-topic", impressions, "--feedback-topic", feedback,
                "--max-bad-rows", "1");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains(log + ":1: bad row: not JSON", log + ":3: bad row: not JSON",
                "more than 1 bad rows (--max-bad-rows); stopped at line 3");
    }

    @Test
    void shouldRefuseANegativePaceFactorAndAReservedKafkaPropertyNamingTheOption(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("log.jsonl");
        Files.writeString(log, RequestLogFormatTest.GOOD + "\n", StandardCharsets.UTF_8);
        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("replay", "--input", log.toString(), "--bootstrap-servers", "localhost:1",
                "--pace-factor", "-1")).isEqualTo(2);
        assertThat(cli.execute("replay", "--input", log.toString(), "--bootstrap-servers", "localhost:1",
                "--kafka-property", "acks=0")).isEqualTo(2);
        assertThat(err.toString()).contains("--pace-factor must be >= 0", "'acks' cannot be set for grade replay");
    }
}
