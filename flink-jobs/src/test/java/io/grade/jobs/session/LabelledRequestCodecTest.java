package io.grade.jobs.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.jobs.Fixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LabelledRequestCodecTest {

    @Test
    void shouldRoundTripEveryField() {
        OpenRequest open = OpenRequest.open(Fixtures.impression("u1", "r1", 7, 4), SessionState.next(null, 7, 100),
                Fixtures.testConfig());
        open.apply(Fixtures.feedback("f", "u1", "r1", "i3", 9, Fixtures.GPM, 12.25), Fixtures.testConfig());
        open.rewardPost = 0.5;
        open.rewardPrior = 0.25;
        open.rewardFormat = 1;
        open.rewardTotal = 0.625;
        LabelledRequest r = LabelledRequest.of(open, 3);
        LabelledRequest back = LabelledRequestCodec.decode(LabelledRequestCodec.encode(r));
        assertThat(back).isEqualTo(r);
        assertThat(back.label(3, Fixtures.GPM)).isEqualTo(12.25);
        assertThat(back.sessionRequests).isEqualTo(3);
    }

    @Test
    void shouldRejectForeignOrTruncatedBytes() {
        assertThatThrownBy(() -> LabelledRequestCodec.decode(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class);
        LabelledRequest r = LabelledRequest.of(OpenRequest.open(Fixtures.impression("u1", "r1", 7, 2),
                SessionState.next(null, 7, 100), Fixtures.testConfig()), 1);
        byte[] bytes = LabelledRequestCodec.encode(r);
        assertThatThrownBy(() -> LabelledRequestCodec.decode(Arrays.copyOf(bytes, bytes.length - 5)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
