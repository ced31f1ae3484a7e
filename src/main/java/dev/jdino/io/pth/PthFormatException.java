package dev.jdino.io.pth;

/**
 * What is wrong with a file's container or pickle, without the file's name; {@link PthFile} turns
 * it into a {@link dev.jdino.io.BadInputException} that names the file.
 */
final class PthFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  PthFormatException(String message) {
    super(message);
  }
}
