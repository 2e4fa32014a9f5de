package dev.wasisockets.core;

/**
 * A descriptor owned by Chicory's {@code WasiPreview1}; {@code wasiFd} is its number in Chicory's
 * own table, which may differ from the guest's number for it. {@code stdin} marks the guest's
 * standard input (the embedder's stdin stream), whichever number the guest has moved it to: {@code
 * poll_oneoff} asks that stream whether it is readable.
 */
public record WasiDescriptor(int wasiFd, boolean stdin) implements Descriptor {
  /** A Chicory descriptor that is not standard input. */
  public WasiDescriptor(int wasiFd) {
    this(wasiFd, false);
  }
}
