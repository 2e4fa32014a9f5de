package dev.wasisockets.policy;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/** Turns a name into addresses: the transport's resolver, or a fake one in tests. */
@FunctionalInterface
public interface HostResolver {

  /**
   * The addresses {@code name} resolves to.
   *
   * @throws java.net.UnknownHostException if none
   */
  List<InetAddress> resolve(String name) throws IOException;
}
