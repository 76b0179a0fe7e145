package io.grade.core.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HoldoutSelectorTest {

    @Test
    void shouldHoldOutCloseToTheShareDeterministically() {
        HoldoutSelector s = HoldoutSelector.defaults();
        HoldoutSelector again = new HoldoutSelector(HoldoutSelector.DEFAULT_SHARE, HoldoutSelector.DEFAULT_SALT);
        int held = 0;
        for (int i = 0; i < 100_000; i++) {
            String id = "req-" + i;
            boolean h = s.heldOut(id);
            assertThat(again.heldOut(id)).isEqualTo(h);
            assertThat(s.heldOut(id)).isEqualTo(h);
            held += h ? 1 : 0;
        }
        // binomial sd at 100k draws of p = 0.05 is 0.0007: 0.003 is over four sd
        assertThat(held / 100_000.0).isCloseTo(0.05, within(0.003));
    }

    @Test
    void shouldKeepTheHashFixedAcrossJvms() {
        // pinned (values checked against an independent Python implementation of FNV-1a 64 + fmix64):
        // a change here would move requests between training and the holdout of a running job
        assertThat(HoldoutSelector.hash("request-42", 0)).isEqualTo(-1885514746349330392L);
        assertThat(HoldoutSelector.hash("r\u00e9qu\u00eate-7", 99)).isEqualTo(-8306823690122624956L);
        assertThat(HoldoutSelector.hash("request-42", 1)).isNotEqualTo(-1885514746349330392L);
        assertThat(HoldoutSelector.unit("request-42", 0)).isBetween(0.0, 1.0).isNotEqualTo(1.0);
    }

    @Test
    void shouldDrawAnIndependentHoldoutForAnotherSalt() {
        HoldoutSelector a = new HoldoutSelector(0.2, 1);
        HoldoutSelector b = new HoldoutSelector(0.2, 2);
        int both = 0;
        int inA = 0;
        for (int i = 0; i < 20_000; i++) {
            String id = "user-" + i + "-é";
            inA += a.heldOut(id) ? 1 : 0;
            both += a.heldOut(id) && b.heldOut(id) ? 1 : 0;
        }
        assertThat(inA / 20_000.0).isCloseTo(0.2, within(0.015));
        // independent choices overlap in share^2 = 4 %
        assertThat(both / 20_000.0).isCloseTo(0.04, within(0.008));
    }

    @Test
    void shouldHoldOutNothingAtShareZeroAndRefuseInvalidShares() {
        HoldoutSelector none = new HoldoutSelector(0, 5);
        for (int i = 0; i < 1_000; i++) {
            assertThat(none.heldOut("r" + i)).isFalse();
        }
        assertThatThrownBy(() -> new HoldoutSelector(1.0, 0)).hasMessageStartingWith("share");
        assertThatThrownBy(() -> new HoldoutSelector(-0.01, 0)).hasMessageStartingWith("share");
        assertThatThrownBy(() -> new HoldoutSelector(Double.NaN, 0)).hasMessageStartingWith("share");
        assertThatThrownBy(() -> none.heldOut(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
