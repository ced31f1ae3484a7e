package dev.jdino.io.pth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** A Python tuple read from a pickle (immutable, so it may be a dict key). */
public record PyTuple(List<Object> items) {
  public PyTuple {
    items = Collections.unmodifiableList(new ArrayList<>(items));
  }

  public static PyTuple of(Object... items) {
    return new PyTuple(Arrays.asList(items));
  }

  public int size() {
    return items.size();
  }

  public Object get(int i) {
    return items.get(i);
  }
}
