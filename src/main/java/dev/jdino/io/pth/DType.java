package dev.jdino.io.pth;

import java.util.Locale;
import java.util.Optional;

/**
 * Element types of tensor storages, with the name {@code torch.save} pickles for each storage class
 * ({@code torch.FloatStorage}, ...) and the safetensors name of the same type.
 */
public enum DType {
  FLOAT32("FloatStorage", "F32", 4, true),
  FLOAT64("DoubleStorage", "F64", 8, true),
  FLOAT16("HalfStorage", "F16", 2, true),
  BFLOAT16("BFloat16Storage", "BF16", 2, true),
  INT64("LongStorage", "I64", 8, false),
  INT32("IntStorage", "I32", 4, false),
  INT16("ShortStorage", "I16", 2, false),
  INT8("CharStorage", "I8", 1, false),
  UINT8("ByteStorage", "U8", 1, false),
  BOOL("BoolStorage", "BOOL", 1, false);

  private final String storageClass;
  private final String safetensorsName;
  private final int byteWidth;
  private final boolean floatingPoint;

  DType(String storageClass, String safetensorsName, int byteWidth, boolean floatingPoint) {
    this.storageClass = storageClass;
    this.safetensorsName = safetensorsName;
    this.byteWidth = byteWidth;
    this.floatingPoint = floatingPoint;
  }

  /** The class name in module {@code torch} that a pickled storage reference names. */
  public String storageClass() {
    return storageClass;
  }

  /** The dtype string of a safetensors header. */
  public String safetensorsName() {
    return safetensorsName;
  }

  public int byteWidth() {
    return byteWidth;
  }

  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  /** The type whose storage class is {@code torch.<name>}, if jdino reads it. */
  public static Optional<DType> ofStorageClass(String name) {
    for (DType t : values()) {
      if (t.storageClass.equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** The type of a safetensors dtype string, if jdino reads it. */
  public static Optional<DType> ofSafetensors(String name) {
    for (DType t : values()) {
      if (t.safetensorsName.equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** Lower-case name as PyTorch prints it ({@code float32}, {@code bfloat16}, ...). */
  public String torchName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
