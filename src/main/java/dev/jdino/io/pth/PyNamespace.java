package dev.jdino.io.pth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code argparse.Namespace} reduced to its fields: the official {@code main_dino.py} saves its
 * command-line arguments this way under {@code args} in every full checkpoint. Only data is kept;
 * no Python object is ever created. The pickle fills the fields after creating the object (its
 * BUILD opcode), so they are set by this package while reading and read-only afterwards.
 */
public final class PyNamespace {
  private final Map<String, Object> fields = new LinkedHashMap<>();

  public PyNamespace() {}

  public PyNamespace(Map<String, ?> fields) {
    this.fields.putAll(fields);
  }

  void set(String name, Object value) {
    fields.put(name, value);
  }

  /** The fields in the order the pickle gave them. */
  public Map<String, Object> fields() {
    return Collections.unmodifiableMap(fields);
  }

  @Override
  public String toString() {
    return "Namespace" + fields.keySet();
  }
}
