package io.grade.simulator;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * The item catalogue: true population-level rates and amounts per item, flat arrays indexed by item id.
 *
 * <p>Three latent factors per item (quality q, log-price p, margin m, all standard normal) drive
 * every task, so the tasks are correlated but not identical: quality raises clicks and conversion,
 * price lowers them but raises the amounts (log-normal, hence heavy-tailed), margin decides the
 * profit share of the price.
 */
final class Catalogue {

    // Base logits of a median item for a neutral user who does not care for it (match 0): low, so
    // that engagement comes from the match between the user's intent and the item (World).
    private static final double CTR_BASE = -5.5;
    private static final double CVR_BASE = -5;
    private static final double CTR_QUALITY = 0.6;
    private static final double CTR_PRICE = -0.5;
    private static final double CTR_IDIOSYNCRATIC = 0.5;
    private static final double CVR_QUALITY = 0.5;
    private static final double CVR_PRICE = -0.4;
    private static final double CVR_IDIOSYNCRATIC = 0.6;
    // Median price 33 (e^3.5); margins around 15 %, a little higher on dearer items.
    private static final double LOG_PRICE_BASE = 3.5;
    private static final double MARGIN_BASE = -1.8;
    private static final double MARGIN_LATENT = 0.8;
    private static final double MARGIN_PRICE = -0.3;

    final int size;
    final double[] ctrLogit;
    final double[] cvrLogit;
    final double[] profit;
    final double[] gmv;
    /** items x 4: standardised log-odds / log-amount per task role; the axes a user's preference weighs. */
    final double[] attributes;

    Catalogue(int size, double priceSigma, UniformRandomProvider rng) {
        this.size = size;
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        ctrLogit = new double[size];
        cvrLogit = new double[size];
        profit = new double[size];
        gmv = new double[size];
        attributes = new double[size * WorldConfig.TASKS];
        for (int j = 0; j < size; j++) {
            double quality = gauss.sample();
            double logPrice = gauss.sample();
            double marginLatent = gauss.sample();
            ctrLogit[j] = CTR_BASE + CTR_QUALITY * quality + CTR_PRICE * logPrice + CTR_IDIOSYNCRATIC * gauss.sample();
            cvrLogit[j] = CVR_BASE + CVR_QUALITY * quality + CVR_PRICE * logPrice + CVR_IDIOSYNCRATIC * gauss.sample();
            double price = Math.exp(LOG_PRICE_BASE + priceSigma * logPrice);
            double margin = Maths.sigmoid(MARGIN_BASE + MARGIN_LATENT * marginLatent + MARGIN_PRICE * logPrice);
            gmv[j] = price;
            profit[j] = margin * price;
            int row = j * WorldConfig.TASKS;
            attributes[row + WorldConfig.CLICK] = ctrLogit[j];
            attributes[row + WorldConfig.ORDER] = cvrLogit[j];
            attributes[row + WorldConfig.PROFIT] = Math.log(profit[j]);
            attributes[row + WorldConfig.GMV] = Math.log(gmv[j]);
        }
        standardiseColumns(attributes, size, WorldConfig.TASKS);
    }

    private static void standardiseColumns(double[] m, int rows, int cols) {
        for (int k = 0; k < cols; k++) {
            double sum = 0;
            double sq = 0;
            for (int j = 0; j < rows; j++) {
                double v = m[j * cols + k];
                sum += v;
                sq += v * v;
            }
            double mean = sum / rows;
            double sd = Math.sqrt(Math.max(sq / rows - mean * mean, 1e-12));
            for (int j = 0; j < rows; j++) {
                m[j * cols + k] = (m[j * cols + k] - mean) / sd;
            }
        }
    }
}
