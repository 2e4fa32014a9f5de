package dev.wasisockets.core;

/**
 * What a guest file descriptor stands for: a socket we run, or a descriptor Chicory's WASI runs
 * (stdio, preopened directories, files). Both live in one {@link DescriptorTable}, so guests see
 * one numbering for files and sockets.
 */
public sealed interface Descriptor permits WasiDescriptor, GuestSocket {}
