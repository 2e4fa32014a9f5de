package dev.wasisockets.policy.file;

/** A policy file that cannot be used; the message names the file, the line and the key. */
public final class PolicyFileException extends Exception {
  private static final long serialVersionUID = 1L;

  public PolicyFileException(String message) {
    super(message);
  }
}
