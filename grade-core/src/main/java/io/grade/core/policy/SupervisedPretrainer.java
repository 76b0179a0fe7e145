package io.grade.core.policy;

import io.grade.core.data.TrainingRequest;
import io.grade.core.optim.Adam;
import io.grade.core.optim.GradientClipping;
import io.grade.model.fusion.Fusion;
import io.grade.model.policy.PolicyArchitecture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1 of GRADE (docs/SPEC.md section 8): fits pi_theta to logged labelled requests by minibatch
 * Adam on {@link LambdaLoss} of the fused ranking. The result is policy version 1 and the first
 * reference policy. Deterministic for a given seed and data order.
 */
public final class SupervisedPretrainer {

    private static final Logger LOG = LoggerFactory.getLogger(SupervisedPretrainer.class);

    private final Config config;

    /** A pretrainer with the given settings. */
    public SupervisedPretrainer(Config config) {
        this.config = config;
    }

    /** Trains a freshly initialised network (seeded by {@code config.seed()}). */
    public Result fit(PolicyArchitecture arch, List<TrainingRequest> data) {
        return fit(new PolicyNetwork(arch, config.seed()), data);
    }

    /** Trains a copy of {@code initial} (left unchanged) and returns it with per-epoch losses. */
    public Result fit(PolicyNetwork initial, List<TrainingRequest> data) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("no training requests");
        }
        PolicyArchitecture arch = initial.architecture();
        for (TrainingRequest r : data) {
            if (r.featureDim() != arch.featureDim() || r.tasks() != arch.tasks()) {
                throw new IllegalArgumentException("request with d=" + r.featureDim() + ", n=" + r.tasks()
                        + " does not fit the architecture d=" + arch.featureDim() + ", n=" + arch.tasks());
            }
        }
        if (config.taskImportance().length != arch.tasks()) {
            throw new IllegalArgumentException("taskImportance has " + config.taskImportance().length
                    + " entries for " + arch.tasks() + " tasks");
        }
        PolicyNetwork net = initial.copy();
        Adam adam = new Adam(config.learningRate());
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(config.seed());
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        double[] epochLoss = new double[config.epochs()];
        int skipped = 0;
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            shuffle(order, rng);
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < order.length; start += config.batchSize()) {
                int end = Math.min(order.length, start + config.batchSize());
                List<TrainingRequest> batch = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    batch.add(data.get(order[i]));
                }
                ForwardPass fp = net.forward(features(batch, arch.featureDim()));
                LambdaLoss.Result loss = config.loss().compute(fp.pi(), batch, config.taskImportance());
                if (loss.contributing() == 0) {
                    continue;
                }
                Gradients g = net.backward(fp, loss.dLossDPi());
                // a non-finite step would poison the moments and the parameters: skip it instead
                if (!Double.isFinite(loss.loss()) || !g.isFinite()) {
                    skipped++;
                    continue;
                }
                if (config.clipNorm() > 0) {
                    GradientClipping.clipGlobalNorm(g, config.clipNorm());
                }
                adam.step(net.parameterBuffer(), net.layout(), g);
                sum += loss.loss();
                batches++;
            }
            epochLoss[epoch] = batches == 0 ? 0.0 : sum / batches;
            LOG.debug("SP epoch {}: mean LambdaLoss {}", epoch, epochLoss[epoch]);
        }
        LOG.info("SP finished: {} epochs over {} requests, final loss {}, {} non-finite steps skipped",
                config.epochs(), data.size(), epochLoss[epochLoss.length - 1], skipped);
        return new Result(net, epochLoss, skipped);
    }

    /** Convenience: {@code fit(arch, data).network()}. */
    public PolicyNetwork train(PolicyArchitecture arch, List<TrainingRequest> data) {
        return fit(arch, data).network();
    }

    /**
     * Mean NDCG@K of the ranking by fused scores f(pi(x)), linear gains g_j = sum_k c_k y_jk, log2
     * discount (docs/SPEC.md section 6), over the requests with a positive gain; NaN if there are none.
     */
    public static double meanNdcg(PolicyNetwork net, List<TrainingRequest> data, double[] taskImportance, int k) {
        INDArray pi = net.forward(features(data, net.architecture().featureDim())).pi();
        double sum = 0;
        int counted = 0;
        for (int r = 0; r < data.size(); r++) {
            TrainingRequest req = data.get(r);
            double[] gains = req.gains(taskImportance);
            double ndcg = ndcg(req.z(), req.items(), req.tasks(), pi.getRow(r).toDoubleVector(), gains, k);
            if (!Double.isNaN(ndcg)) {
                sum += ndcg;
                counted++;
            }
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }

    /** NDCG@K of the ranking by z . w with linear gains; NaN when no gain is positive. */
    public static double ndcg(double[] z, int items, int tasks, double[] w, double[] gains, int k) {
        double[] f = new double[items];
        Fusion.fuse(z, items, tasks, w, f);
        int[] order = new int[items];
        Fusion.rankDescending(f, items, order);
        int cut = Math.min(k, items);
        double dcg = 0;
        for (int pos = 0; pos < cut; pos++) {
            dcg += gains[order[pos]] / (Math.log(pos + 2.0) / Math.log(2.0));
        }
        double[] sorted = gains.clone();
        Arrays.sort(sorted);
        double ideal = 0;
        for (int pos = 0; pos < cut; pos++) {
            ideal += sorted[items - 1 - pos] / (Math.log(pos + 2.0) / Math.log(2.0));
        }
        return ideal > 0 ? dcg / ideal : Double.NaN;
    }

    /** Stacks the requests' features into a B x d DOUBLE matrix. */
    public static INDArray features(List<TrainingRequest> batch, int featureDim) {
        double[] x = new double[batch.size() * featureDim];
        for (int r = 0; r < batch.size(); r++) {
            batch.get(r).copyFeaturesInto(x, r * featureDim);
        }
        return Nd4j.create(x, new long[] {batch.size(), featureDim}, 'c');
    }

    private static void shuffle(int[] a, UniformRandomProvider rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /**
     * Stage 1 settings.
     *
     * @param epochs passes over the data, >= 1
     * @param batchSize requests per Adam step, >= 1
     * @param learningRate Adam step size, > 0
     * @param clipNorm global-norm gradient clip; 0 disables clipping
     * @param seed seeds the initial network and the shuffling
     * @param taskImportance c_k of the gains g_j = sum_k c_k y_jk
     * @param loss the LambdaLoss variant
     */
    public record Config(int epochs, int batchSize, double learningRate, double clipNorm, long seed,
                         double[] taskImportance, LambdaLoss loss) {

        /** Validates and copies. */
        public Config {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
            }
            if (!(clipNorm >= 0)) {
                throw new IllegalArgumentException("clipNorm must be >= 0, got " + clipNorm);
            }
            taskImportance = taskImportance.clone();
            for (double c : taskImportance) {
                if (!(c >= 0) || !Double.isFinite(c)) {
                    throw new IllegalArgumentException("taskImportance must be finite and >= 0: "
                            + Arrays.toString(taskImportance));
                }
            }
            Objects.requireNonNull(loss, "loss");
        }

        /** Defaults: 10 epochs, batch 256, lr 1e-3, clip 1.0, c = 1, exponential-gain LambdaLoss. */
        public static Config defaults(int tasks, long seed) {
            double[] c = new double[tasks];
            Arrays.fill(c, 1.0);
            return new Config(10, 256, 1e-3, 1.0, seed, c, new LambdaLoss());
        }

        /** A copy of c. */
        @Override
        public double[] taskImportance() {
            return taskImportance.clone();
        }
    }

    /**
     * @param network the trained network
     * @param epochLoss mean LambdaLoss per epoch (over the steps taken)
     * @param skippedSteps minibatches skipped for a non-finite loss or gradient
     */
    public record Result(PolicyNetwork network, double[] epochLoss, int skippedSteps) {}
}
