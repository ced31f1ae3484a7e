package dev.jdino.io.pth;

import java.util.LinkedHashMap;

/**
 * A Python {@code dict} or {@code collections.OrderedDict} read from a pickle, in insertion order
 * (which Python keeps for both). {@link #ordered()} records which of the two it was, so that a file
 * written back keeps the type: {@code state_dict()} returns an OrderedDict.
 */
public final class PyDict extends LinkedHashMap<Object, Object> {
  private static final long serialVersionUID = 1L;
  private final boolean ordered;

  public PyDict(boolean ordered) {
    this.ordered = ordered;
  }

  /** True for a {@code collections.OrderedDict}, false for a plain {@code dict}. */
  public boolean ordered() {
    return ordered;
  }
}
