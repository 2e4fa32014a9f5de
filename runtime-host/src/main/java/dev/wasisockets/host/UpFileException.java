package dev.wasisockets.host;

/**
 * What is wrong with an {@code up} file, in one line that names the key first ({@code
 * guest[1].listen[0]: not an address: "x"}), for {@code up: ...} on stderr and exit code 2.
 */
final class UpFileException extends Exception {
  private static final long serialVersionUID = 1L;

  UpFileException(String message) {
    super(message, null, false, false);
  }
}
