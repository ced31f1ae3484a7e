package dev.jdino.io.pth;

import java.util.regex.Pattern;

/**
 * A tensor storage as {@code torch.save} references it from the pickle: the record {@code
 * <archive>/data/<key>} of the zip holds {@code numel} elements of {@code dtype}.
 *
 * @param key the record's name under {@code data/} (torch writes decimal numbers)
 * @param dtype element type, from the pickled storage class
 * @param numel number of elements (not bytes) the storage holds
 * @param location the device it was saved from ({@code cpu}, {@code cuda:0}); data only
 */
public record Storage(String key, DType dtype, long numel, String location) {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");

  public Storage {
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "storage key " + quote(key) + " is not a record name (expected letters and digits)");
    }
    if (dtype == null) {
      throw new IllegalArgumentException("storage " + key + " has no element type");
    }
    if (numel < 0) {
      throw new IllegalArgumentException("storage " + key + " has a negative size " + numel);
    }
    if (numel > Long.MAX_VALUE / 8) {
      throw new IllegalArgumentException("storage " + key + " claims " + numel + " elements");
    }
    if (location == null) {
      throw new IllegalArgumentException("storage " + key + " has no location");
    }
  }

  /** Size of the storage in bytes. */
  public long byteSize() {
    return numel * dtype.byteWidth();
  }

  private static String quote(String s) {
    if (s == null) {
      return "None";
    }
    return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
  }
}
