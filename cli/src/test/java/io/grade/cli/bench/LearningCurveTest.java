package io.grade.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.cli.SummaryJson;
import io.grade.simulator.Oracle;
import io.grade.simulator.SimRequest;
import io.grade.simulator.SimWorld;
import io.grade.simulator.Worlds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scoring and the curve of {@code grade bench learning}, without a job: policies of known worth. */
class LearningCurveTest {

    private static HeldOutScore judge;
    private static HeldOutScore.Weights bestStatic;
    private static HeldOutScore.Weights oracle;
    private static HeldOutScore.Weights uniform;

    @BeforeAll
    static void judge() {
        SimWorld world = Worlds.create("latent", 3);
        judge = HeldOutScore.build(world, 60, 400, 3);
        double[] stat = judge.ceiling().bestStaticWeights();
        bestStatic = (x, out) -> System.arraycopy(stat, 0, out, 0, stat.length);
        // the per-request oracle "knows" the request from its features array (not a policy of x alone)
        Map<double[], double[]> best = new IdentityHashMap<>();
        Oracle o = world.oracle();
        for (SimRequest r : judge.requests()) {
            best.put(r.features(), o.bestWeights(r));
        }
        oracle = (x, out) -> System.arraycopy(best.get(x), 0, out, 0, out.length);
        uniform = (x, out) -> Arrays.fill(out, 1.0 / out.length);
    }

    @Test
    void theBestStaticWeightsShouldScoreZeroAndTheOracleOne() {
        assertThat(judge.requests()).hasSize(60);
        assertThat(judge.ceiling().oracle()).isGreaterThan(judge.ceiling().bestStatic());
        assertThat(judge.score(bestStatic).gapClosed()).isCloseTo(0.0, within(1e-12));
        HeldOutScore.Score top = judge.score(oracle);
        assertThat(top.policy()).isCloseTo(judge.ceiling().oracle(), within(1e-12));
        assertThat(top.gapClosed()).isCloseTo(1.0, within(1e-12));
        assertThat(top.ofCeiling()).isCloseTo(1.0 / judge.ceiling().gapClosed(), within(1e-12));
        // uniform weights are a static vector too: no better than the best one (fitted on other requests,
        // so allow the held-out noise of 60 requests)
        assertThat(judge.score(uniform).gapClosed()).isLessThan(0.1);
    }

    @Test
    void aCheckpointShouldScoreTheNewestVersionServingHad() {
        LearningCurve.Recorder rec = new LearningCurve.Recorder("latent", 3, judge, 5000, 12000, uniform);
        assertThat(rec.advance(4999)).isEmpty();
        List<LearningCurve.Checkpoint> first = rec.advance(5003);
        assertThat(first).singleElement().satisfies(c -> {
            assertThat(c.requests()).isEqualTo(5000);
            assertThat(c.requestsIssued()).isEqualTo(5003);
            assertThat(c.version()).isZero();
            assertThat(c.gapClosed()).isEqualTo(judge.score(uniform).gapClosed());
        });
        rec.version(2, 6000, 4000, bestStatic);
        // an older version arriving late is scored but does not replace the newest
        rec.version(1, 6100, 3000, oracle);
        List<LearningCurve.Checkpoint> rest = rec.advance(12000);
        assertThat(rest).extracting(LearningCurve.Checkpoint::requests).containsExactly(10000L, 12000L);
        assertThat(rest).allSatisfy(c -> {
            assertThat(c.version()).isEqualTo(2);
            assertThat(c.requestsLearned()).isEqualTo(4000);
            assertThat(c.gapClosed()).isCloseTo(0.0, within(1e-12));
        });
        assertThat(rec.done()).isTrue();
        LearningCurve.Run run = rec.finish(1.5);
        assertThat(run.firstVersion().version()).isEqualTo(1);
        assertThat(run.firstVersion().gapClosed()).isCloseTo(1.0, within(1e-12));
        assertThat(run.at(9999).requests()).isEqualTo(5000);
        // the run stopped before 30,000 and 60,000: those criteria are not judged
        assertThat(run.halfGapBy30000()).isNull();
        assertThat(run.ninetyPercentOfCeilingBy60000()).isNull();
        assertThat(run.firstVersionNotBelowStatic()).isTrue();
    }

    @Test
    void theAcceptanceOfIssue13ShouldBeJudgedAtThirtyAndSixtyThousand() {
        LearningCurve.Recorder good = new LearningCurve.Recorder("latent", 3, judge, 30000, 60000, uniform);
        good.version(1, 100, 50, oracle);
        good.advance(60000);
        LearningCurve.Run run = good.finish(1);
        assertThat(run.halfGapBy30000()).isTrue();
        assertThat(run.ninetyPercentOfCeilingBy60000()).isTrue();

        LearningCurve.Recorder bad = new LearningCurve.Recorder("latent", 3, judge, 30000, 60000, uniform);
        bad.advance(30000);
        bad.version(1, 30500, 25000, uniform);
        bad.advance(60000);
        LearningCurve.Run slow = bad.finish(1);
        assertThat(slow.halfGapBy30000()).isFalse();
        assertThat(slow.ninetyPercentOfCeilingBy60000()).isFalse();
        assertThat(slow.firstVersionNotBelowStatic()).isEqualTo(judge.score(uniform).gapClosed() >= 0);

        assertThat(LearningCurve.bands(List.of(run, slow))).containsOnlyKeys("latent");
        LearningCurve.Band at60k = LearningCurve.bands(List.of(run, slow)).get("latent").get(1);
        assertThat(at60k.requests()).isEqualTo(60000);
        assertThat(at60k.max()).isCloseTo(1.0, within(1e-12));
        assertThat(at60k.min()).isEqualTo(judge.score(uniform).gapClosed());
        assertThat(at60k.mean()).isCloseTo((at60k.min() + at60k.max()) / 2, within(1e-12));
    }

    @Test
    void checkpointsShouldEndAtTheRequestBudget() {
        assertThat(LearningCurve.checkpoints(5000, 15000)).containsExactly(5000L, 10000L, 15000L);
        assertThat(LearningCurve.checkpoints(5000, 12000)).containsExactly(5000L, 10000L, 12000L);
        assertThat(LearningCurve.checkpoints(5000, 3000)).containsExactly(3000L);
    }

    @Test
    void theSummaryShouldHoldTheCurveAndThePictureShouldBeAPng(@TempDir Path dir) throws Exception {
        LearningCurve.Recorder rec = new LearningCurve.Recorder("latent", 3, judge, 5000, 10000, uniform);
        rec.version(1, 4000, 2000, bestStatic);
        rec.advance(10000);
        LearningCurve.Run run = rec.finish(2);
        String json = SummaryJson.render(run.figures());
        assertThat(json).contains("\"world\": \"latent\"", "\"first_version\": 1",
                "\"curve\": [{\"requests\": 5000, \"requests_issued\": 10000, \"version\": 1",
                "\"accept_half_gap_by_30000\": null");
        Path png = dir.resolve("learning.png");
        LearningChart.write(png, List.of(run));
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).isGreaterThan(1000);
        assertThat(Arrays.copyOf(bytes, 4)).containsExactly(0x89, 'P', 'N', 'G');
    }
}
