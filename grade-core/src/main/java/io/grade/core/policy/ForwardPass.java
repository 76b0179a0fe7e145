package io.grade.core.policy;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The result of {@link PolicyNetwork#forward} on a batch: pi and the logits (both B x n), plus the
 * intermediate activations {@link PolicyNetwork#backward} needs. Treat every array as read-only.
 */
public final class ForwardPass {

    final INDArray x;
    /** Pre-activations of all experts, B x (E*H), expert e in columns e*H .. (e+1)*H - 1. */
    final INDArray expertPre;
    /** relu(expertPre), same layout. */
    final INDArray expertOut;
    /** Gate pre-softmax activations, B x E. */
    final INDArray gatePre;
    final INDArray gate;
    final INDArray mixture;
    final INDArray towerPre;
    final INDArray towerOut;
    final INDArray logits;
    final INDArray softmax;
    final INDArray pi;

    ForwardPass(INDArray x, INDArray expertPre, INDArray expertOut, INDArray gatePre, INDArray gate, INDArray mixture,
                INDArray towerPre, INDArray towerOut, INDArray logits, INDArray softmax, INDArray pi) {
        this.x = x;
        this.expertPre = expertPre;
        this.expertOut = expertOut;
        this.gatePre = gatePre;
        this.gate = gate;
        this.mixture = mixture;
        this.towerPre = towerPre;
        this.towerOut = towerOut;
        this.logits = logits;
        this.softmax = softmax;
        this.pi = pi;
    }

    /** Fusion weights pi(x), B x n, rows on the simplex with every entry >= eps. */
    public INDArray pi() {
        return pi;
    }

    /** Pre-softmax logits, B x n. */
    public INDArray logits() {
        return logits;
    }

    /** Gate weights over experts, B x E (diagnostics: expert usage). */
    public INDArray gate() {
        return gate;
    }

    /** Batch size B. */
    public int batchSize() {
        return (int) pi.rows();
    }

    /** Row b of pi as a new array. */
    public double[] piRow(int b) {
        return pi.getRow(b).toDoubleVector();
    }
}
