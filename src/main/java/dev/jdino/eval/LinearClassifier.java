package dev.jdino.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import java.util.SplittableRandom;

/**
 * The linear probe's classifier, {@code eval_linear.py}'s {@code LinearClassifier}: one Linear
 * layer (weight N(0, 0.01), bias 0) trained with cross-entropy by SGD, momentum 0.9, no weight
 * decay, exactly as {@code torch.optim.SGD} (first step: buffer = gradient; then buffer = 0.9
 * buffer + gradient; weight -= lr * buffer).
 *
 * <p>The gradient is written out rather than taken from autograd: for softmax cross-entropy of one
 * linear layer it is {@code g = (softmax(logits) - onehot(y)) / B}, {@code dW = g^T x}, {@code db =
 * sum(g)}: three tensor operations, no {@code GradientCollector} (only one may be open, and
 * accumulated leaf gradients would need zeroing), and the products still run on the engine, so
 * ImageNet-sized probes (1536 x 1000) cost what the matrix products cost. Call every method inside
 * an {@code NDScope}; parameters and momentum live in the classifier's own manager.
 */
final class LinearClassifier implements AutoCloseable {
  static final float MOMENTUM = 0.9f;

  private final NDManager manager;
  private final int in;
  private final int classes;
  private final NDArray weight;
  private final NDArray bias;
  private final NDArray bufW;
  private final NDArray bufB;

  LinearClassifier(int in, int classes, long seed) {
    this.in = in;
    this.classes = classes;
    this.manager = Torch.newManager();
    SplittableRandom rng = new SplittableRandom(seed);
    float[] w = new float[Math.multiplyExact(in, classes)];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (0.01 * rng.nextGaussian());
    }
    this.weight = manager.create(w, new Shape(classes, in));
    this.bias = manager.zeros(new Shape(classes));
    // Zero buffers make the first update buffer = 0.9 * 0 + g = g exactly, as torch's clone.
    this.bufW = manager.zeros(new Shape(classes, in));
    this.bufB = manager.zeros(new Shape(classes));
    NDScope.unregister(weight, bias, bufW, bufB);
  }

  int inputDim() {
    return in;
  }

  int classes() {
    return classes;
  }

  /** Logits (B, C) of features (B, F); attached to the features' manager. */
  NDArray logits(NDArray x) {
    return x.matMul(weight.transpose()).add(bias);
  }

  /**
   * One SGD step on a batch.
   *
   * @return the batch's mean cross-entropy before the step
   */
  float step(NDArray x, int[] labels, double lr) {
    int b = labels.length;
    NDArray logp = logits(x).logSoftmax(1);
    NDArray onehot = x.getManager().create(labels).oneHot(classes);
    float loss = -logp.mul(onehot).sum().getFloat() / b;
    NDArray g = logp.exp().sub(onehot).div(b);
    bufW.muli(MOMENTUM).addi(g.transpose().matMul(x));
    bufB.muli(MOMENTUM).addi(g.sum(new int[] {0}));
    weight.subi(bufW.mul(lr));
    bias.subi(bufB.mul(lr));
    return loss;
  }

  float[] weights() {
    return weight.toFloatArray();
  }

  float[] biases() {
    return bias.toFloatArray();
  }

  /** The parameters as safetensors-ready arrays (owned by the classifier). */
  NDArray weightArray() {
    return weight;
  }

  NDArray biasArray() {
    return bias;
  }

  @Override
  public void close() {
    manager.close();
  }
}
