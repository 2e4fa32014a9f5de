package dev.wasisockets.host;

import dev.wasisockets.wasmnet.client.WasmnetOptions;
import dev.wasisockets.wasmnet.client.WasmnetTransport;
import dev.wasisockets.wasmnet.protocol.Framing;
import java.io.IOException;
import java.net.URI;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code run}'s flags for sending the guest's sockets through a wasmnet server. */
final class WasmnetClientOptions {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--wasmnet",
      paramLabel = "URL",
      description = {
        "Send every guest socket through the wasmnet server at URL (ws://HOST:PORT[/PATH] or",
        "wss://...) instead of this host's network. The grants above still apply first; the",
        "server's own policy after them. See docs/wasmnet-protocol.md."
      })
  private URI server;

  @Option(
      names = "--wasmnet-json",
      description = "Speak wasmnet's JSON framing instead of the binary one (with --wasmnet).")
  private boolean json;

  @Option(
      names = "--wasmnet-token",
      paramLabel = "TOKEN",
      description = "Send TOKEN as 'Authorization: Bearer TOKEN' to the wasmnet server.")
  private String token;

  /**
   * The link to the wasmnet server, open; null without {@code --wasmnet} (this host's network). The
   * caller closes it.
   */
  WasmnetTransport connect() {
    if (server == null) {
      if (json || token != null) {
        throw usageError("--wasmnet-json and --wasmnet-token need --wasmnet URL");
      }
      return null;
    }
    WasmnetOptions options =
        WasmnetOptions.DEFAULT.withFraming(json ? Framing.JSON : Framing.BINARY).withToken(token);
    try {
      return WasmnetTransport.connect(server, options);
    } catch (IllegalArgumentException | IOException e) {
      // A server that cannot be reached is a setting to fix, like a bad URL.
      throw usageError("--wasmnet: " + e.getMessage());
    }
  }

  private ParameterException usageError(String message) {
    return new ParameterException(command.commandLine(), message);
  }
}
