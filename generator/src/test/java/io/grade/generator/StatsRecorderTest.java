package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.generator.GeneratorStats.RewardSummary;
import io.grade.schemas.ExperimentArm;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatsRecorderTest {

    @Test
    void shouldKeepExactSumsWhileTheTimelineMergesBuckets() {
        StatsRecorder r = new StatsRecorder();
        int n = 100_003;
        double served = 0;
        for (int i = 0; i < n; i++) {
            double v = (i % 7) / 10.0;
            served += v;
            r.request(i, i < n / 2 ? 0 : 5, ExperimentArm.UNASSIGNED, v, 0.3, i % 10 == 0 ? 0.9 : Double.NaN, 1_000L * i, 0);
        }
        GeneratorStats s = r.snapshot(5);
        assertThat(s.requests()).isEqualTo(n);
        assertThat(s.timeline().size()).isLessThanOrEqualTo(StatsRecorder.MAX_BUCKETS);
        assertThat(s.timeline().stream().mapToLong(RewardSummary::requests).sum()).isEqualTo(n);
        assertThat(s.overall().served()).isCloseTo(served / n, within(1e-9));
        assertThat(s.overall().oracleRequests()).isEqualTo(10_001);
        assertThat(s.byVersion().get(0L).requests() + s.byVersion().get(5L).requests()).isEqualTo(n);
        assertThat(s.byVersion().get(5L).firstRequest()).isEqualTo(n / 2);
        long bucket = s.timeline().get(0).requests();
        assertThat(s.first().requests()).isBetween((long) Math.ceil(0.2 * n), (long) Math.ceil(0.2 * n) + bucket);
        assertThat(s.first().firstRequest()).isZero();
        assertThat(s.last().requests()).isBetween((long) Math.ceil(0.2 * n), (long) Math.ceil(0.2 * n) + bucket);
        assertThat(s.last().firstRequest() + s.last().requests()).isEqualTo(n);
        assertThat(s.simulatedTime()).isEqualTo(Instant.ofEpochMilli(1_000L * (n - 1)));
    }

    @Test
    void shouldSeparateTheFirstAndLastFifthOfTheRequests() {
        StatsRecorder r = new StatsRecorder();
        for (int i = 0; i < 1_000; i++) {
            // served improves from 0.5 to 0.8 halfway; static stays 0.5
            r.request(i, i < 500 ? 0 : 1, ExperimentArm.UNASSIGNED, i < 500 ? 0.5 : 0.8, 0.5, 1.0, i, 0);
        }
        GeneratorStats s = r.snapshot(1);
        assertThat(s.first().served()).isEqualTo(0.5);
        assertThat(s.last().served()).isCloseTo(0.8, within(1e-12));
        assertThat(s.last().liftOverStatic()).isCloseTo(0.6, within(1e-12));
        assertThat(s.last().gapClosed()).isCloseTo(0.6, within(1e-12));
        assertThat(s.first().gapClosed()).isZero();
    }

    @Test
    void treatmentFiguresShouldCoverOnlyTreatmentRequestsServedByALearnedVersion() {
        StatsRecorder r = new StatsRecorder();
        r.request(0, 0, ExperimentArm.TREATMENT, 0.5, 0.5, Double.NaN, 0, 0); // before the first policy
        r.treatmentRealised(Double.NaN, Double.NaN);
        r.request(1, 0, ExperimentArm.CONTROL, 0.4, 0.4, Double.NaN, 1, 0);
        r.treatmentRealised(Double.NaN, Double.NaN);
        r.request(2, 2, ExperimentArm.TREATMENT, 0.8, 0.6, Double.NaN, 2, 0);
        r.treatmentRealised(0.9, 0.6);
        r.request(3, 2, ExperimentArm.TREATMENT, 0.8, 0.4, Double.NaN, 3, 0);
        r.treatmentRealised(0.7, 0.4);
        r.request(4, 0, ExperimentArm.CONTROL, 0.3, 0.3, Double.NaN, 4, 0);
        r.treatmentRealised(Double.NaN, Double.NaN);
        GeneratorStats s = r.snapshot(2);
        assertThat(s.controlRequests()).isEqualTo(2);
        assertThat(s.treatmentLearned().requests()).isEqualTo(2);
        assertThat(s.treatmentLearned().served()).isCloseTo(0.8, within(1e-12));
        assertThat(s.treatmentLearned().liftOverStatic()).isCloseTo(0.6, within(1e-12));
    }

    @Test
    void shouldRecordWhenEachPolicyArrivedAndWasFirstServed() {
        StatsRecorder r = new StatsRecorder();
        Instant created = Instant.now().minusMillis(250);
        r.request(0, 0, ExperimentArm.UNASSIGNED, 0.5, 0.5, Double.NaN, 0, 0);
        r.request(1, 3, ExperimentArm.UNASSIGNED, 0.6, 0.5, Double.NaN, 1, 0); // served before the client reported it
        r.policyAccepted(3, created, created.plusMillis(200));
        r.policyAccepted(4, created, created.plusMillis(300));
        GeneratorStats s = r.snapshot(4);
        assertThat(s.policies()).hasSize(2);
        assertThat(s.policies().get(0).version()).isEqualTo(3);
        assertThat(s.policies().get(0).firstServedRequest()).isEqualTo(1);
        assertThat(s.policies().get(0).firstServedAt()).isNotNull();
        assertThat(s.policies().get(0).freshnessMillis()).isEqualTo(200);
        assertThat(s.policies().get(1).firstServedRequest()).isEqualTo(-1);
        assertThat(s.policies().get(1).firstServedAt()).isNull();
    }

    @Test
    void shouldReportEventsPerSecondOverTheRun() throws Exception {
        StatsRecorder r = new StatsRecorder();
        long t0 = System.nanoTime();
        r.started(t0);
        for (int i = 0; i < 500; i++) {
            r.event();
        }
        r.finished(t0 + 2_000_000_000L);
        GeneratorStats s = r.snapshot(0);
        assertThat(s.eventsProduced()).isEqualTo(500);
        assertThat(s.elapsedSeconds()).isCloseTo(2.0, within(1e-9));
        assertThat(s.eventsPerSecond()).isCloseTo(250.0, within(1e-9));
    }
}
