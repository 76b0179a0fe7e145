package io.grade.cli;

import io.grade.experiments.ExperimentConfig;
import io.grade.experiments.ExperimentResult;
import io.grade.experiments.OfflineExperiment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade experiment offline}: learn fusion weights from simulated logs, compare methods on held-out requests. */
@Command(name = "offline", mixinStandardHelpOptions = true,
        description = {"Train on simulated logs (best static weights, Stage 1 LambdaLoss, GRPO with Dirichlet and "
                + "Gaussian-softmax exploration) and evaluate every method, and the per-request oracle, by the "
                + "mean expected R_post on the same held-out requests.",
                "The table ends with the world's item-agnostic ceiling (the best policy of the hidden user "
                        + "preference, fitted with full knowledge) and ceiling_gap_closed.",
                "Protocol and measured figures: docs/design-experiment.md."})
public final class ExperimentOfflineCommand implements Callable<Integer> {

    private static final ExperimentConfig DEFAULTS = ExperimentConfig.defaults();

    @Option(names = "--summary-json", description = "Write the figures as one flat JSON object to this file.")
    Path summaryJson;

    @Option(names = "--world", converter = WorldOption.Converter.class, description = WorldOption.DESCRIPTION)
    String world = DEFAULTS.world();

    @Option(names = "--ceiling-fit-requests", description = "Requests the item-agnostic ceiling is fitted on; "
            + "0 = as many as --train-requests (default: ${DEFAULT-VALUE}).")
    int ceilingFitRequests = DEFAULTS.ceilingFitRequests();

    @Option(names = "--seed", description = "Master seed: the world and every stream (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed();

    @Option(names = "--users", description = "Users in the simulated world (default: ${DEFAULT-VALUE}).")
    int users = DEFAULTS.users();

    @Option(names = "--items", description = "Catalogue size (default: ${DEFAULT-VALUE}).")
    int items = DEFAULTS.items();

    @Option(names = "--train-requests", description = "Logged training requests (default: ${DEFAULT-VALUE}).")
    int trainRequests = DEFAULTS.trainRequests();

    @Option(names = "--test-requests", description = "Held-out evaluation requests (default: ${DEFAULT-VALUE}).")
    int testRequests = DEFAULTS.testRequests();

    @Option(names = "--logging-concentration",
            description = "Logging policy Dir(c * uniform) concentration c (default: ${DEFAULT-VALUE}).")
    double loggingConcentration = DEFAULTS.loggingConcentration();

    @Option(names = "--sp-epochs", description = "Stage 1 epochs; 0 = GRPO from a cold start (default: ${DEFAULT-VALUE}).")
    int spEpochs = DEFAULTS.spEpochs();

    @Option(names = "--sp-learning-rate", description = "Stage 1 Adam step size (default: ${DEFAULT-VALUE}).")
    double spLearningRate = DEFAULTS.spLearningRate();

    @Option(names = "--grpo-updates", description = "GRPO updates per exploration kind (default: ${DEFAULT-VALUE}).")
    int grpoUpdates = DEFAULTS.grpoUpdates();

    @Option(names = "--grpo-batch-size", description = "GRPO requests per update B (default: ${DEFAULT-VALUE}).")
    int grpoBatchSize = DEFAULTS.grpoBatchSize();

    @Option(names = "--group-size", description = "GRPO samples per request G (default: ${DEFAULT-VALUE}).")
    int groupSize = DEFAULTS.groupSize();

    @Option(names = "--grpo-learning-rate", description = "GRPO Adam step size (default: ${DEFAULT-VALUE}).")
    double grpoLearningRate = DEFAULTS.grpoLearningRate();

    @Option(names = "--kl-coef", description = "KL(pi || pi_ref) weight (default: ${DEFAULT-VALUE}).")
    double klCoef = DEFAULTS.klCoef();

    @Option(names = "--ref-sync-every", description = "Reference policy sync period in updates (default: ${DEFAULT-VALUE}).")
    long refSyncEvery = DEFAULTS.refSyncEvery();

    @Option(names = "--alpha-start", description = "alphaHat at the first update (default: ${DEFAULT-VALUE}).")
    double alphaStart = DEFAULTS.alphaStart();

    @Option(names = "--alpha-end", description = "alphaHat at the end of the schedule (default: ${DEFAULT-VALUE}).")
    double alphaEnd = DEFAULTS.alphaEnd();

    @Option(names = "--alpha-horizon", description = "alphaHat cosine schedule length in updates; 0 = --grpo-updates (default: ${DEFAULT-VALUE}).")
    long alphaHorizon = DEFAULTS.alphaHorizon();

    @Option(names = "--gaussian-sigma", description = "Logit noise of the Gaussian ablation (default: ${DEFAULT-VALUE}).")
    double gaussianSigma = DEFAULTS.gaussianSigma();

    @Option(names = "--lambda-prior", description = "Weight of R_prior in the GRPO reward (default: ${DEFAULT-VALUE}; spec 0.3).")
    double lambdaPrior = DEFAULTS.lambdaPrior();

    @Option(names = "--lambda-format", description = "Weight of R_format in the GRPO reward (default: ${DEFAULT-VALUE}).")
    double lambdaFormat = DEFAULTS.lambdaFormat();

    @Option(names = "--format-lower-bound", description = "R_format's structure prior p_k >= lo for every task; "
            + "0 = no structure prior, so R_format is 0 (default: ${DEFAULT-VALUE}; 0.02 before, see "
            + "docs/design-experiment.md).")
    double formatLowerBound = DEFAULTS.formatLowerBound();

    @Override
    public Integer call() throws Exception {
        ExperimentConfig config = ExperimentConfig.builder()
                .seed(seed).users(users).items(items)
                .trainRequests(trainRequests).testRequests(testRequests)
                .loggingConcentration(loggingConcentration)
                .spEpochs(spEpochs).spLearningRate(spLearningRate)
                .grpoUpdates(grpoUpdates).grpoBatchSize(grpoBatchSize).groupSize(groupSize)
                .grpoLearningRate(grpoLearningRate).klCoef(klCoef).refSyncEvery(refSyncEvery)
                .alphaStart(alphaStart).alphaEnd(alphaEnd).alphaHorizon(alphaHorizon)
                .gaussianSigma(gaussianSigma).lambdaPrior(lambdaPrior).lambdaFormat(lambdaFormat)
                .formatLowerBound(formatLowerBound)
                .world(world).ceilingFitRequests(ceilingFitRequests)
                .build();
        System.out.printf("offline experiment: world %s, seed %d, %d users, %d items, %d training requests, %d held-out "
                        + "requests, %d GRPO updates (B %d, G %d)%n", world, seed, users, items, trainRequests,
                testRequests, grpoUpdates, grpoBatchSize, groupSize);
        ExperimentResult result = OfflineExperiment.run(config);
        System.out.println();
        System.out.print(result.table());
        Map<String, Object> figures = result.figures();
        System.out.printf("%ntook %.1f s%n", (Double) figures.get("seconds_total"));
        if (summaryJson != null) {
            SummaryJson.write(summaryJson, figures);
            System.out.println("summary written to " + summaryJson);
        }
        return 0;
    }
}
