package io.grade.cli.log;

import io.grade.core.data.TrainingRequest;
import io.grade.core.policy.LambdaLoss;
import io.grade.core.policy.PolicyNetwork;
import io.grade.core.policy.SupervisedPretrainer;
import io.grade.experiments.OfflineExperiment;
import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.config.LearnerConfig;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.FormatConstraints;
import io.grade.model.reward.RequestReward;
import io.grade.model.reward.RewardConfig;
import io.grade.model.search.SimplexSearch;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Stage 1 from a request log: the requests as the job would label them (feedback types mapped to
 * tasks, binary tasks keep the maximum, value tasks sum, labels after a task's attribution window
 * dropped), split by event time into a training part and a held-out tail, LambdaLoss
 * pretraining on the training part exactly as the offline experiment does (c_k = 1 / mean
 * positive label, linear gains), and the counterfactual mean R_post of the held-out requests:
 * each re-ranked with a policy's weights and scored with its logged labels (items without a
 * label count as 0), over the held-out requests that have a positive label.
 */
public final class LogStageOne {

    /**
     * Stage 1 settings.
     *
     * @param holdoutShare share of the requests, the latest in event time, held out for evaluation
     * @param epochs LambdaLoss epochs
     * @param batchSize requests per Adam step
     * @param learningRate Adam step size
     * @param seed seeds the network and the shuffling
     */
    public record Settings(double holdoutShare, int epochs, int batchSize, double learningRate, long seed) {
        /** Validates; the message names the option. */
        public Settings {
            if (!(holdoutShare > 0 && holdoutShare < 1)) {
                throw new IllegalArgumentException("--holdout-share must be in (0, 1), got " + holdoutShare);
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("--learning-rate must be > 0, got " + learningRate);
            }
        }
    }

    /**
     * Labelled requests of a log in event-time order.
     *
     * @param requests the requests as the learner sees them
     * @param eventTimes their event times
     * @param servedWeights their served weights (null entries when the log has none)
     * @param unknownTypeLabels labels whose type no task maps (the job dead-letters that feedback)
     * @param lateLabels labels after their task's attribution window (the job counts them late)
     */
    public record Labelled(List<TrainingRequest> requests, long[] eventTimes, List<double[]> servedWeights,
                           long unknownTypeLabels, long lateLabels) {}

    /**
     * What Stage 1 gave.
     *
     * @param snapshot the Stage 1 policy, version 1
     * @param trainRequests requests trained on
     * @param heldOutRequests held-out requests (all)
     * @param evaluatedRequests held-out requests with a positive label (the mean's denominator)
     * @param stage1Post mean counterfactual R_post of Stage 1 on the held-out requests
     * @param uniformPost same, equal weights
     * @param bestStaticPost same, the best single weight vector on the training part
     * @param bestStatic that weight vector
     * @param loggedPost same, the logged served weights (NaN when the log has none)
     * @param epochLoss mean LambdaLoss per epoch
     */
    public record Result(PolicySnapshot snapshot, int trainRequests, int heldOutRequests, int evaluatedRequests,
                         double stage1Post, double uniformPost, double bestStaticPost, double[] bestStatic,
                         double loggedPost, double[] epochLoss) {}

    private LogStageOne() {}

    /** The log's requests labelled as the job labels them, sorted by event time. */
    public static Labelled label(List<LoggedRequest> log, GradeConfig job) {
        int n = job.tasks();
        List<LoggedRequest> sorted = new ArrayList<>(log);
        sorted.sort(Comparator.comparingLong(LoggedRequest::eventTimeMs));
        List<TrainingRequest> out = new ArrayList<>(sorted.size());
        List<double[]> weights = new ArrayList<>(sorted.size());
        long[] times = new long[sorted.size()];
        long unknown = 0;
        long late = 0;
        for (int i = 0; i < sorted.size(); i++) {
            LoggedRequest r = sorted.get(i);
            if (r.tasks() != n) {
                throw new IllegalArgumentException("request " + r.requestId() + " has " + r.tasks()
                        + " scores per candidate; the job's --tasks has " + n);
            }
            if (r.features().length != job.featureDim()) {
                throw new IllegalArgumentException("request " + r.requestId() + " has " + r.features().length
                        + " features; the job's --feature-dim is " + job.featureDim());
            }
            int m = r.candidates().size();
            double[] scores = new double[m * n];
            double[] labels = new double[m * n];
            for (int j = 0; j < m; j++) {
                LoggedRequest.Candidate c = r.candidates().get(j);
                System.arraycopy(c.scores(), 0, scores, j * n, n);
                for (LoggedRequest.Label l : c.labels()) {
                    int k = job.taskOfFeedbackType(l.type());
                    if (k < 0) {
                        unknown++;
                        continue;
                    }
                    if (l.timeMs() - r.eventTimeMs() > job.taskWindowMs(k)) {
                        late++;
                        continue;
                    }
                    int at = j * n + k;
                    labels[at] = job.binaryTask(k) ? Math.max(labels[at], l.value()) : labels[at] + l.value();
                }
            }
            // the features and scores as the job reads them from the impression (floats)
            double[] x = new double[r.features().length];
            for (int d = 0; d < x.length; d++) {
                x[d] = (float) r.features()[d];
            }
            for (int a = 0; a < scores.length; a++) {
                scores[a] = (float) scores[a];
            }
            out.add(TrainingRequest.of(x, scores, labels, m, n, job.fusion(), job.betas()));
            weights.add(r.servedWeights());
            times[i] = r.eventTimeMs();
        }
        return new Labelled(List.copyOf(out), times, weights, unknown, late);
    }

    /** Requests in the training part: the earliest {@code 1 - holdoutShare} of them. */
    public static int trainSize(int size, double holdoutShare) {
        int train = size - (int) Math.round(size * holdoutShare);
        if (train < 1 || train >= size) {
            throw new IllegalArgumentException("--input: " + size + " requests are too few to split into a training "
                    + "part and a held-out part of share " + holdoutShare);
        }
        return train;
    }

    /** The held-out evaluation of a labelled log: its latest {@code holdoutShare} with the job's R_post. */
    public static Evaluation heldOut(Labelled data, GradeConfig job, double holdoutShare) {
        int size = data.requests().size();
        return new Evaluation(data.requests().subList(trainSize(size, holdoutShare), size), postOnly(job.rewardConfig()));
    }

    /**
     * Fits Stage 1 on the log's training part and scores it on the held-out tail; the snapshot
     * carries the learner's architecture, model id and starting Dirichlet concentration.
     */
    public static Result fit(Labelled data, GradeConfig job, LearnerConfig learner, Settings s) {
        PolicyArchitecture arch = learner.architecture();
        int size = data.requests().size();
        int train = trainSize(size, s.holdoutShare());
        int heldOut = size - train;
        List<TrainingRequest> trainPart = data.requests().subList(0, train);
        if (trainPart.stream().noneMatch(TrainingRequest::hasPositiveLabel)) {
            throw new IllegalArgumentException("--input: no training request has a positive label");
        }
        double[] importance = OfflineExperiment.taskScales(trainPart, arch.tasks());
        SupervisedPretrainer.Config sc = new SupervisedPretrainer.Config(s.epochs(), s.batchSize(), s.learningRate(),
                1.0, s.seed(), importance, new LambdaLoss(1.0, LambdaLoss.Gain.LINEAR));
        SupervisedPretrainer.Result fitted = new SupervisedPretrainer(sc).fit(arch, trainPart);
        PolicyNetwork net = fitted.network();
        CompositeReward post = postOnly(job.rewardConfig());
        Evaluation eval = heldOut(data, job, s.holdoutShare());
        double stage1 = eval.mean(new PolicyForward(arch, net.parameters()));
        double uniform = eval.mean(uniform(arch.tasks()));
        SimplexSearch.Result best = OfflineExperiment.bestStaticOnLogs(trainPart, post);
        double bestStatic = eval.mean(best.point());
        List<double[]> logged = data.servedWeights().subList(train, size);
        double loggedPost = logged.stream().anyMatch(w -> w == null) ? Double.NaN : eval.mean(logged);
        long lastTrainTime = data.eventTimes()[train - 1];
        PolicySnapshot snapshot = PolicySnapshots.toSnapshot(arch, net.parameters(), new SnapshotMetadata(learner.modelId(), 1,
                Instant.now(), Instant.ofEpochMilli(lastTrainTime), Arrays.asList(job.taskNames()), job.fusion(),
                job.betas(), learner.grpo().schedule().alphaStart(), learner.grpo().alphaMin(), new TrainingStats(0.0, 0.0, 0.0, 0L, (long) train)));
        return new Result(snapshot, train, heldOut, eval.evaluated(), stage1, uniform, bestStatic, best.point(),
                loggedPost, fitted.epochLoss());
    }

    /** R_post alone (lambda_post 1, no prior, no format term) of the job's reward settings. */
    public static CompositeReward postOnly(RewardConfig c) {
        return new CompositeReward(new RewardConfig(c.ndcgK(), c.taskImportance(), 1.0, 0.0, 0.0, c.tau(),
                FormatConstraints.none()));
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }

    /**
     * The counterfactual held-out evaluation: mean R_post of re-ranking each held-out request
     * that has a positive label with the given weights, scored with its logged labels.
     */
    public static final class Evaluation {
        private final List<TrainingRequest> requests = new ArrayList<>();
        private final List<RequestReward> prepared = new ArrayList<>();
        private final List<Integer> index = new ArrayList<>();

        /** Prepares the rewards of the requests with a positive label. */
        public Evaluation(List<TrainingRequest> heldOut, CompositeReward post) {
            for (int i = 0; i < heldOut.size(); i++) {
                TrainingRequest r = heldOut.get(i);
                if (r.hasPositiveLabel()) {
                    requests.add(r);
                    prepared.add(r.prepareReward(post, null));
                    index.add(i);
                }
            }
        }

        /** Requests in the mean. */
        public int evaluated() {
            return prepared.size();
        }

        /** Mean R_post of one weight vector for every request. */
        public double mean(double[] w) {
            double sum = 0;
            for (RequestReward rr : prepared) {
                sum += rr.post(w);
            }
            return prepared.isEmpty() ? Double.NaN : sum / prepared.size();
        }

        /** Mean R_post of a policy's weights pi(x) per request. */
        public double mean(PolicyForward policy) {
            double sum = 0;
            double[] w = new double[requests.isEmpty() ? 0 : requests.get(0).tasks()];
            for (int i = 0; i < prepared.size(); i++) {
                policy.weights(requests.get(i).features(), w);
                sum += prepared.get(i).post(w);
            }
            return prepared.isEmpty() ? Double.NaN : sum / prepared.size();
        }

        /** Mean R_post of per-request weights, aligned with the held-out list given to the constructor. */
        public double mean(List<double[]> perRequest) {
            double sum = 0;
            for (int i = 0; i < prepared.size(); i++) {
                sum += prepared.get(i).post(perRequest.get(index.get(i)));
            }
            return prepared.isEmpty() ? Double.NaN : sum / prepared.size();
        }
    }
}
