package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The block's feed-forward part: Linear(D, rD), exact GELU, Linear(rD, D). */
final class Mlp {
  private final Linear fc1;
  private final Linear fc2;

  private final Compute compute;

  Mlp(ParameterLayout.Builder b, String name, int dim, int hidden, Compute compute) {
    this.compute = compute;
    this.fc1 = Linear.truncNormal(b, name + ".fc1", dim, hidden, true);
    this.fc2 = Linear.truncNormal(b, name + ".fc2", hidden, dim, true);
  }

  NDArray forward(ParameterSet p, NDArray x) {
    return fc2.forward(p, Activation.gelu(fc1.forward(p, x, compute)), compute);
  }
}
