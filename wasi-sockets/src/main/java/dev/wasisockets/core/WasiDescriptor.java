package dev.wasisockets.core;

/**
 * A descriptor owned by Chicory's {@code WasiPreview1}; {@code wasiFd} is its number in Chicory's
 * own table, which may differ from the guest's number for it.
 */
public record WasiDescriptor(int wasiFd) implements Descriptor {}
