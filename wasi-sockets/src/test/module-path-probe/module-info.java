/** An application module that uses wasi-sockets from the module path and requires nothing else. */
module probe {
  requires dev.wasisockets;
}
