package dev.jdino.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.ParameterSet;

/**
 * Work done at the end of an epoch on the teacher, such as online k-NN evaluation. It must not
 * change the parameters or consume training randomness; it may add fields to the epoch's metrics
 * record.
 */
@FunctionalInterface
public interface EpochHook {
  void afterEpoch(int epoch, DinoNetwork network, ParameterSet teacher, ObjectNode metrics)
      throws Exception;
}
