package io.grade.jobs.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.jobs.Fixtures;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.reward.ServedReward;
import io.grade.model.reward.RewardBreakdown;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LabelledRequestCodecTest {

    private static RequestLabels labels(ImpressionEvent e) {
        GradeConfig config = Fixtures.testConfig();
        ServedReward reward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        return RequestLabels.open(e, reward.rank(e.scores, e.positions, e.servedWeights), config.tasks());
    }

    @Test
    void shouldRoundTripEveryField() {
        ImpressionEvent e = Fixtures.impression("u1", "r1", 7, 4);
        OpenRequest open = OpenRequest.open(e, SessionState.next(null, 7, 100), Fixtures.testConfig());
        RequestLabels labels = labels(e);
        labels.apply(Fixtures.feedback("f", "u1", "r1", "i3", 9, Fixtures.GPM, 12.25), Fixtures.testConfig());
        LabelledRequest r = LabelledRequest.of(open, labels, 3, new RewardBreakdown(0.5, 0.25, 1, 0.625));
        LabelledRequest back = LabelledRequestCodec.decode(LabelledRequestCodec.encode(r));
        assertThat(back).isEqualTo(r);
        assertThat(back.label(3, Fixtures.GPM)).isEqualTo(12.25);
        assertThat(back.sessionRequests).isEqualTo(3);
    }

    @Test
    void shouldRejectForeignOrTruncatedBytes() {
        assertThatThrownBy(() -> LabelledRequestCodec.decode(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class);
        ImpressionEvent e = Fixtures.impression("u1", "r1", 7, 2);
        LabelledRequest r = LabelledRequest.of(OpenRequest.open(e, SessionState.next(null, 7, 100), Fixtures.testConfig()),
                labels(e), 1, new RewardBreakdown(0, 0, 0, 0));
        byte[] bytes = LabelledRequestCodec.encode(r);
        assertThatThrownBy(() -> LabelledRequestCodec.decode(Arrays.copyOf(bytes, bytes.length - 5)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
