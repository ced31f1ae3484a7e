package dev.jdino.io;

import java.util.List;

/**
 * A configuration value that cannot work, said in the method's own terms ("the warm-up of 10 epochs
 * is longer than the run of 3 epochs"). {@link #setting()} names the record component at fault,
 * relative to the record that threw (a dotted path for checks that span nested records), so a front
 * end can add its own name for it, such as the command-line flag.
 */
public class ConfigException extends IllegalArgumentException {
  private final String setting;
  private final List<String> related;

  /**
   * @param related other settings the check involved (the run's length for a warm-up that does not
   *     fit), by the same kind of path as {@code setting}
   */
  public ConfigException(String setting, String message, String... related) {
    super(message);
    this.setting = setting;
    this.related = List.of(related);
  }

  /** The component at fault, e.g. {@code warmupEpochs} or {@code augment.globalCrops.size}. */
  public String setting() {
    return setting;
  }

  public List<String> related() {
    return related;
  }
}
