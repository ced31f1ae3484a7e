package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import dev.jdino.engine.TorchBridge;
import java.util.Arrays;
import java.util.List;

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
    // In bf16 one bridged call, the hidden activation staying bf16 as under autocast; in fp32
    // DJL's linear and GELU.
    return TorchBridge.linearGeluChain(
        x,
        List.of(fc1.weight(p), fc2.weight(p)),
        Arrays.asList(fc1.bias(p), fc2.bias(p)),
        compute.precision());
  }
}
