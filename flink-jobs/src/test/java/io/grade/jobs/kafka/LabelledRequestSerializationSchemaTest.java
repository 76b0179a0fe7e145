package io.grade.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.Fixtures;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.reward.ServedReward;
import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.LabelledRequestCodec;
import io.grade.jobs.session.OpenRequest;
import io.grade.jobs.session.RequestLabels;
import io.grade.jobs.session.SessionState;
import io.grade.model.reward.RewardBreakdown;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Labelled requests whose event time runs ahead of the broker's clock are still accepted. */
class LabelledRequestSerializationSchemaTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void shouldWriteARequestClosedTwoHoursAheadOfTheBrokersClock() throws Exception {
        GradeConfig config = Fixtures.testConfig();
        long twoHoursAhead = System.currentTimeMillis() + Duration.ofHours(2).toMillis();
        ImpressionEvent e = Fixtures.impression("u1", "r1", twoHoursAhead, 4);
        ServedReward reward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        LabelledRequest r = LabelledRequest.of(OpenRequest.open(e, SessionState.next(null, twoHoursAhead, 100), config),
                RequestLabels.open(e, reward.rank(e.scores, e.positions, e.servedWeights), config.tasks()), 1,
                new RewardBreakdown(0, 0, 0, 0));
        String topic = EmbeddedKafkaBroker.uniqueTopic("labelled");
        KAFKA.broker().createTopic(topic, 1);

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            // With the close time as the Kafka timestamp the broker answered InvalidTimestampException.
            producer.send(new LabelledRequestSerializationSchema(topic).serialize(r, null, twoHoursAhead))
                    .get(30, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<byte[], byte[]>> read = KAFKA.broker().readAll(topic);
        assertThat(read).hasSize(1);
        LabelledRequest back = LabelledRequestCodec.decode(read.get(0).value());
        assertThat(back).isEqualTo(r);
        assertThat(back.closeTime).isGreaterThan(twoHoursAhead);
        assertThat(read.get(0).timestamp()).isLessThan(twoHoursAhead);
    }
}
