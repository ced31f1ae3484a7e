package dev.jdino.dist;

import ai.djl.ndarray.types.DataType;

/** The element types the reductions support, numbered as {@code src/main/native/jdino_mpi.c}. */
public enum ElementType {
  FLOAT32(0, 4, "float32"),
  FLOAT64(1, 8, "float64"),
  INT64(2, 8, "int64");

  private final int code;
  private final int bytes;
  private final String label;

  ElementType(int code, int bytes, String label) {
    this.code = code;
    this.bytes = bytes;
    this.label = label;
  }

  /** The number the native library knows this type by. */
  int code() {
    return code;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The type of a tensor's elements; other types cannot be summed here. */
  public static ElementType of(DataType type) {
    switch (type) {
      case FLOAT32:
        return FLOAT32;
      case FLOAT64:
        return FLOAT64;
      case INT64:
        return INT64;
      default:
        throw new IllegalArgumentException(
            "can only sum float32, float64 or int64 tensors across ranks, got " + type);
    }
  }

  @Override
  public String toString() {
    return label;
  }
}
