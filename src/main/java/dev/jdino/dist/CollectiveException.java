package dev.jdino.dist;

/**
 * A collective operation failed (MPI returned an error: the message carries MPI's own error
 * string). The state of the other ranks is unknown afterwards, so the only safe reaction is to end
 * the process; checkpoints on disk are untouched (they are written atomically).
 */
public class CollectiveException extends RuntimeException {
  public CollectiveException(String message) {
    super(message);
  }

  public CollectiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
