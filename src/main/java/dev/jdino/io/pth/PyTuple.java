package dev.jdino.io.pth;

import java.util.List;

/** A Python tuple read from a pickle (immutable, so it may be a dict key). */
public record PyTuple(List<Object> items) {
  public PyTuple {
    items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
  }

  public static PyTuple of(Object... items) {
    return new PyTuple(java.util.Arrays.asList(items));
  }

  public int size() {
    return items.size();
  }

  public Object get(int i) {
    return items.get(i);
  }
}
