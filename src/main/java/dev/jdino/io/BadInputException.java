package dev.jdino.io;

/**
 * Something the user gave us (a path, a flag value, a file's contents) is not what was expected.
 * The message is one line that names the value and says what was expected; the command line prints
 * it and exits with status 2 without writing or deleting anything.
 */
public class BadInputException extends RuntimeException {
  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
