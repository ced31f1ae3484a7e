package dev.jdino.train;

import dev.jdino.model.DinoNetwork;
import dev.jdino.model.ParameterSet;
import java.util.Map;

/**
 * Work done at the end of an epoch on the teacher, such as online k-NN evaluation. It must not
 * change the parameters or consume training randomness; it may add fields to the epoch's metrics
 * record.
 */
@FunctionalInterface
public interface EpochHook {

  /**
   * @param epoch the epoch that ended (0-based), or -1 before the first step of a new run (the
   *     untrained teacher)
   * @param lastOfRun whether it is the run's last (possibly partial) epoch
   */
  record EpochEnd(int epoch, boolean lastOfRun, DinoNetwork network, ParameterSet teacher) {}

  void afterEpoch(EpochEnd end, Map<String, Object> metrics) throws Exception;
}
