package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.cli.log.KuaiRandImport;
import io.grade.cli.log.LoggedRequest;
import io.grade.cli.log.RequestLogReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code grade import kuairand} on a small log in KuaiRand's column layout, written here (no download). */
class ImportKuaiRandCommandTest {

    static final String HEADER = "user_id,video_id,date,hourmin,time_ms,is_click,is_like,is_follow,is_comment,"
            + "is_forward,is_hate,long_view,play_time_ms,duration_ms,profile_stay_time,comment_stay_time,"
            + "is_profile_enter,is_rand,tab";

    static String row(long user, long video, long timeMs, int click, int like, int comment, int longView, long playMs) {
        return user + "," + video + ",20220408,1200," + timeMs + "," + click + "," + like + ",0," + comment + ",0,0,"
                + longView + "," + playMs + ",30000,0,0,0,0,1";
    }

    @Test
    void shouldGroupAUsersInteractionsIntoRequestsWithScoresFromTheEarlierSplitAndReportBadRows(@TempDir Path dir)
            throws Exception {
        long t0 = 1_649_400_000_000L;
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        // earlier split (fits the model): video 7 is always clicked, video 8 never
        for (int i = 0; i < 20; i++) {
            csv.append(row(1, 7, t0 + i * 1000L, 1, 0, 0, 1, 5000)).append('\n');
            csv.append(row(2, 8, t0 + i * 1000L + 500, 0, 0, 0, 0, 1000)).append('\n');
        }
        csv.append("1,7,20220408,1200,not-a-time,1,0,0,0,0,0,0,0,0,0,0,0,0,1\n"); // line 42
        // later split: user 3 sees 7 and 8 within a minute, then again after an hour (two requests)
        long t1 = t0 + 3_600_000L;
        csv.append(row(3, 7, t1, 1, 1, 0, 1, 4000)).append('\n');
        csv.append(row(3, 8, t1 + 2000, 0, 0, 0, 0, 800)).append('\n');
        csv.append(row(3, 8, t1 + 3_600_000L, 0, 0, 1, 0, 900)).append('\n');
        for (int i = 0; i < 37; i++) {
            csv.append(row(4, 9, t1 + 10_000L * i, 0, 0, 0, 0, 100)).append('\n');
        }
        Path in = dir.resolve("log_standard_4_08_to_4_21_1k.csv");
        Files.writeString(in, csv, StandardCharsets.UTF_8);
        Path out = dir.resolve("kuairand.jsonl");

        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("import", "kuairand", "--input", in.toString(), "--out", out.toString())).isZero();
        assertThat(err.toString()).contains(in + ":42: bad row: time_ms is not a non-negative integer: 'not-a-time'",
                "80 interactions (1 bad rows), 40 fitted the scores");

        List<LoggedRequest> log = RequestLogReader.readAll(out, 0, "--max-bad-rows", (reason, line) -> {
            throw new AssertionError(line + ": " + reason);
        });
        List<LoggedRequest> user3 = log.stream().filter(r -> r.userId().equals("u3")).toList();
        assertThat(user3).hasSize(2);
        LoggedRequest first = user3.get(0);
        assertThat(first.eventTimeMs()).isEqualTo(t1);
        assertThat(first.features()).hasSize(KuaiRandImport.FEATURE_DIM);
        assertThat(first.candidates()).extracting(c -> c.itemId() + "@" + c.position()).containsExactly("7@0", "8@1");
        LoggedRequest.Candidate seven = first.candidates().get(0);
        LoggedRequest.Candidate eight = first.candidates().get(1);
        // the click score comes from the earlier split: video 7 was always clicked, video 8 never
        assertThat(seven.scores()[0]).isGreaterThan(5 * eight.scores()[0]);
        assertThat(seven.labels()).containsExactly(new LoggedRequest.Label("click", 1, t1 + 4000),
                new LoggedRequest.Label("long_view", 1, t1 + 4000), new LoggedRequest.Label("like", 1, t1 + 4000));
        assertThat(user3.get(1).candidates().get(0).labels()).containsExactly(
                new LoggedRequest.Label("comment", 1, t1 + 3_600_000L + 900));
        // user 4: 37 interactions 10 s apart, at most 10 per request (one video id: one candidate each)
        assertThat(log.stream().filter(r -> r.userId().equals("u4"))).hasSize(4);
    }

    @Test
    void importedLogShouldFitStage1WithTheDocumentedJobFlags(@TempDir Path dir) throws Exception {
        Random rnd = new Random(5);
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        long t0 = 1_649_400_000_000L;
        for (int i = 0; i < 6000; i++) {
            int user = rnd.nextInt(60);
            int video = rnd.nextInt(80);
            double appeal = (video % 4 + 1) / 5.0;
            int click = rnd.nextDouble() < appeal ? 1 : 0;
            csv.append(row(user, video, t0 + i * 2000L, click, click == 1 && rnd.nextDouble() < 0.3 ? 1 : 0,
                    click == 1 && rnd.nextDouble() < 0.1 ? 1 : 0, rnd.nextDouble() < appeal / 2 ? 1 : 0, 3000))
                    .append('\n');
        }
        Path in = dir.resolve("log_random_4_22_to_5_08_1k.csv");
        Files.writeString(in, csv, StandardCharsets.UTF_8);
        Path out = dir.resolve("kuairand.jsonl");
        Path snapshot = dir.resolve("stage1.snapshot");
        Path summary = dir.resolve("stage1.json");
        assertThat(GradeCli.commandLine().execute("import", "kuairand", "--input", in.toString(), "--out",
                out.toString(), "--max-gap", "PT10M")).isZero();
        CommandLine cli = GradeCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("stage1", "--input", out.toString(), "--out", snapshot.toString(),
                "--summary-json", summary.toString(),
                "--job-arg=--tasks=click;long_view;like;comment",
                "--job-arg=--feedback-tasks=click:click,long_view:long_view,like:like,comment:comment",
                "--job-arg=--binary-tasks=click;long_view;like;comment", "--job-arg=--feature-dim=6");
        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.size(snapshot)).isPositive();
        assertThat(Files.readString(summary)).contains("\"bad_rows\": 0", "\"stage1_reward\"");
    }
}
