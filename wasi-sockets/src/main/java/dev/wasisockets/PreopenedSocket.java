package dev.wasisockets;

import java.net.InetSocketAddress;

/** A socket the host opened for the guest before it started: its descriptor and its address. */
public record PreopenedSocket(int fd, InetSocketAddress localAddress) {}
