package io.grade.jobs.session;

import static io.grade.jobs.Fixtures.CTR;
import static io.grade.jobs.Fixtures.CVR;
import static io.grade.jobs.Fixtures.GPM;
import static io.grade.jobs.Fixtures.WINDOW_MS;
import static io.grade.jobs.Fixtures.feedback;
import static io.grade.jobs.Fixtures.impression;
import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.Fixtures;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.reward.ServedReward;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure rules behind the session join. */
class SessionRulesTest {

    private final GradeConfig config = Fixtures.testConfig();

    private RequestLabels labels(ImpressionEvent e) {
        ServedReward reward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        return RequestLabels.open(e, reward.rank(e.scores, e.positions, e.servedWeights), config.tasks());
    }

    @Test
    void shouldCountRequestsOfASessionAndResetAfterTheGap() {
        SessionState s = SessionState.next(null, 1_000, 100);
        assertThat(s.lastPosition()).isZero();
        s = SessionState.next(s, 1_050, 100);
        assertThat(s.lastPosition()).isEqualTo(1);
        // Out of order but within the gap: same session, start moves back.
        s = SessionState.next(s, 990, 100);
        assertThat(s.lastPosition()).isEqualTo(2);
        assertThat(s.start).isEqualTo(990);
        assertThat(s.lastTime).isEqualTo(1_050);
        assertThat(s.expiredAt(1_149, 100)).isFalse();
        assertThat(s.expiredAt(1_150, 100)).isTrue();
        SessionState next = SessionState.next(s, 1_150, 100);
        assertThat(next.lastPosition()).isZero();
        assertThat(next.start).isEqualTo(1_150);
    }

    @Test
    void shouldFoldFeedbackIntoLabels() {
        assertThat(OpenRequest.open(impression("u", "r", 0, 3), SessionState.next(null, 0, 100), config).closeTime)
                .isEqualTo(WINDOW_MS);
        RequestLabels r = labels(impression("u", "r", 0, 3));
        assertThat(r.apply(feedback("a", "u", "r", "i1", 10, CTR, 1), config)).isEqualTo(FeedbackOutcome.JOINED);
        assertThat(r.apply(feedback("b", "u", "r", "i1", 20, CTR, 1), config)).isEqualTo(FeedbackOutcome.JOINED);
        assertThat(r.label(1, CTR)).as("binary task keeps the max").isEqualTo(1.0);
        assertThat(r.apply(feedback("c", "u", "r", "i1", 20, GPM, 4), config)).isEqualTo(FeedbackOutcome.JOINED);
        assertThat(r.apply(feedback("d", "u", "r", "i1", 30, GPM, 6), config)).isEqualTo(FeedbackOutcome.JOINED);
        assertThat(r.label(1, GPM)).as("value task sums").isEqualTo(10.0);
        assertThat(r.apply(feedback("d", "u", "r", "i1", 30, GPM, 6), config)).isEqualTo(FeedbackOutcome.DUPLICATE);
        assertThat(r.apply(feedback("e", "u", "r", "zz", 30, CVR, 1), config)).isEqualTo(FeedbackOutcome.UNKNOWN_ITEM);
        assertThat(r.apply(feedback("f", "u", "r", "i0", WINDOW_MS, CVR, 1), config)).isEqualTo(FeedbackOutcome.LATE);
        assertThat(r.apply(feedback("f", "u", "r", "i0", WINDOW_MS, CVR, 1), config)).isEqualTo(FeedbackOutcome.DUPLICATE);
        assertThat(r.joinedFeedback()).isEqualTo(4);
        assertThat(r.label(0, CVR)).isZero();
        double[] dense = r.denseLabels();
        assertThat(dense).hasSize(3 * config.tasks());
        assertThat(dense[1 * config.tasks() + CTR]).isEqualTo(1.0);
        assertThat(dense[1 * config.tasks() + GPM]).isEqualTo(10.0);
        assertThat(r.itemIds()).containsExactly("i0", "i1", "i2");
    }

    @Test
    void shouldRememberFeedbackIdsOfAClosedRequest() {
        RequestLabels r = labels(impression("u", "r", 0, 2));
        r.apply(feedback("a", "u", "r", "i1", 10, CTR, 1), config);
        ClosedRequest c = ClosedRequest.of(r, WINDOW_MS, 500);
        assertThat(c.expiresAt).isEqualTo(WINDOW_MS + 500);
        assertThat(c.remember("a")).isFalse();
        assertThat(c.remember("b")).isTrue();
        assertThat(c.remember("b")).isFalse();
    }

    @Test
    void shouldExpireOnlyDueOrphans() {
        OrphanBuffer b = new OrphanBuffer();
        FeedbackEvent f1 = feedback("a", "u", "r", "i0", 10, CTR, 1);
        FeedbackEvent f2 = feedback("b", "u", "r", "i0", 20, CTR, 1);
        assertThat(b.add(f1, 100)).isTrue();
        assertThat(b.add(f2, 200)).isTrue();
        assertThat(b.add(f1, 300)).isFalse();
        assertThat(b.expire(99)).isEmpty();
        List<FeedbackEvent> expired = b.expire(150);
        assertThat(expired).containsExactly(f1);
        assertThat(b.isEmpty()).isFalse();
        assertThat(b.expire(200)).containsExactly(f2);
        assertThat(b.isEmpty()).isTrue();
    }
}
