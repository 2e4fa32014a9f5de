package dev.wasisockets.transport;

/** The conditions a guest can wait for on a channel, as bit flags. */
public final class Readiness {
  /** Data can be read, or the peer closed its side. */
  public static final int READ = 1;

  /** Data can be written. */
  public static final int WRITE = 2;

  /** A pending connect has finished, successfully or not. */
  public static final int CONNECT = 4;

  private Readiness() {}
}
