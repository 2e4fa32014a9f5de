package dev.wasisockets.policy.file;

import dev.wasisockets.policy.AddressClass;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.Rule;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Policy files: TOML, with wasmnet's {@code [network]} keys meaning what they mean there, so a
 * wasmnet {@code policy.toml} works unchanged, and ours beside them (see {@code docs/policy.md}).
 *
 * <pre>
 * [network]
 * deny = ["10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16"]   # outbound: TCP connect and UDP send
 * allow = ["*"]
 * bind_ports = "3000-9999"
 * max_connections = 50
 * max_bandwidth_mbps = 10
 * connection_timeout_secs = 30
 * lookup = ["*.example.com"]          # ours: names the guest may look up
 * bind = ["127.0.0.1:8000-8999"]      # ours: addresses the guest may bind, beside bind_ports
 * max_socket_bandwidth_mbps = 2       # ours: per socket, per direction
 * max_listeners = 4                   # ours
 * max_pending_accepts = 64            # ours
 * idle_timeout_secs = 300             # ours
 * lookup_timeout_secs = 5             # ours
 * </pre>
 */
public final class PolicyFile {
  /** What a key the file leaves out means. */
  public enum Defaults {
    /** {@code run} and embedders: nothing granted, no limits. */
    NOTHING_GRANTED,
    /** {@code serve}: wasmnet's defaults (see {@link NetworkPolicy#gatewayDefault()}). */
    GATEWAY
  }

  private static final Set<String> KEYS =
      Set.of(
          "deny",
          "allow",
          "bind_ports",
          "max_connections",
          "max_bandwidth_mbps",
          "connection_timeout_secs",
          "lookup",
          "bind",
          "max_socket_bandwidth_mbps",
          "max_listeners",
          "max_pending_accepts",
          "idle_timeout_secs",
          "lookup_timeout_secs");

  private PolicyFile() {}

  /**
   * Reads {@code file} into a builder, to which flags may add.
   *
   * @throws PolicyFileException with one message naming the file, the key and the line
   */
  public static NetworkPolicy.Builder load(Path file, Defaults defaults)
      throws PolicyFileException {
    TomlParseResult toml;
    try {
      toml = Toml.parse(file);
    } catch (NoSuchFileException e) {
      throw new PolicyFileException(file + ": no such file");
    } catch (IOException e) {
      throw new PolicyFileException(file + ": cannot read it: " + e.getMessage());
    }
    return read(toml, file.toString(), defaults);
  }

  /** Reads TOML text (named {@code source} in messages) into a builder. */
  public static NetworkPolicy.Builder parse(String text, String source, Defaults defaults)
      throws PolicyFileException {
    return read(Toml.parse(text), source, defaults);
  }

  private static NetworkPolicy.Builder read(TomlParseResult toml, String source, Defaults defaults)
      throws PolicyFileException {
    if (!toml.errors().isEmpty()) {
      var error = toml.errors().get(0);
      throw new PolicyFileException(
          source + ":" + error.position().line() + ": not valid TOML: " + error.getMessage());
    }
    for (String key : toml.keySet()) {
      if (!key.equals("network")) {
        throw new PolicyFileException(
            at(source, toml.inputPositionOf(List.of(key)))
                + "unknown table or key '"
                + key
                + "' (a policy has one table, [network])");
      }
    }
    TomlTable network = toml.isTable(List.of("network")) ? toml.getTable(List.of("network")) : null;
    if (toml.keySet().contains("network") && network == null) {
      throw new PolicyFileException(
          at(source, toml.inputPositionOf(List.of("network"))) + "'network' must be a table");
    }
    Reader reader = new Reader(network, source);
    for (String key : reader.keys()) {
      if (!KEYS.contains(key)) {
        throw reader.problem(key, "unknown key network." + key + " (see docs/policy.md)");
      }
    }
    boolean gateway = defaults == Defaults.GATEWAY;
    NetworkPolicy.Builder builder = NetworkPolicy.builder();

    List<String> deny = reader.strings("deny");
    if (deny == null && gateway) {
      deny = new ArrayList<>();
      for (AddressClass inward : AddressClass.values()) {
        deny.add(inward.ruleName());
      }
    }
    List<String> allow = reader.strings("allow");
    if (allow == null && gateway) {
      allow = List.of("*");
    }
    for (NetworkUse outbound : List.of(NetworkUse.TCP_CONNECT, NetworkUse.UDP_SEND)) {
      reader.rules("deny", deny, rule -> builder.deny(outbound, rule));
      reader.rules("allow", allow, rule -> builder.allow(outbound, rule));
    }

    String bindPorts = reader.string("bind_ports");
    if (bindPorts == null && gateway) {
      bindPorts = "3000-9999";
    }
    if (bindPorts != null) {
      for (String range : bindPorts.split(",")) {
        String rule = "*:" + range.strip();
        reader.rules("bind_ports", List.of(rule), parsed -> builder.allow(NetworkUse.BIND, parsed));
      }
    }
    reader.rules("bind", reader.strings("bind"), rule -> builder.allow(NetworkUse.BIND, rule));

    List<String> lookup = reader.strings("lookup");
    if (lookup == null && gateway) {
      lookup = List.of("*");
    }
    reader.rules("lookup", lookup, rule -> builder.allow(NetworkUse.LOOKUP, rule));

    Limits limits = gateway ? Limits.wasmnetDefault() : Limits.NONE;
    Long connections = reader.count("max_connections");
    if (connections != null) {
      limits = limits.withMaxConnections((int) Math.min(connections, Integer.MAX_VALUE));
    }
    Long mbps = reader.count("max_bandwidth_mbps");
    if (mbps != null) {
      limits = limits.withBytesPerSecond(Limits.megabitsToBytes(mbps));
    }
    Long socketMbps = reader.count("max_socket_bandwidth_mbps");
    if (socketMbps != null) {
      limits = limits.withSocketBytesPerSecond(Limits.megabitsToBytes(socketMbps));
    }
    Long timeout = reader.count("connection_timeout_secs");
    if (timeout != null) {
      limits = limits.withConnectTimeout(Duration.ofSeconds(timeout));
    }
    Long listeners = reader.count("max_listeners");
    if (listeners != null) {
      limits = limits.withMaxListeners((int) Math.min(listeners, Integer.MAX_VALUE));
    }
    Long pending = reader.count("max_pending_accepts");
    if (pending != null) {
      limits = limits.withMaxPendingAccepts((int) Math.min(pending, Integer.MAX_VALUE));
    }
    Long idle = reader.count("idle_timeout_secs");
    if (idle != null) {
      limits = limits.withIdleTimeout(Duration.ofSeconds(idle));
    }
    Long lookupTimeout = reader.count("lookup_timeout_secs");
    if (lookupTimeout != null) {
      limits = limits.withLookupTimeout(Duration.ofSeconds(lookupTimeout));
    }
    return builder.limits(limits);
  }

  private static String at(String source, TomlPosition position) {
    return source + (position == null ? "" : ":" + position.line()) + ": ";
  }

  /** Typed reads of {@code [network]}, each failure one message with the key and its line. */
  private static final class Reader {
    private final TomlTable table;
    private final String source;

    Reader(TomlTable table, String source) {
      this.table = table;
      this.source = source;
    }

    Set<String> keys() {
      return table == null ? Set.of() : table.keySet();
    }

    String string(String key) throws PolicyFileException {
      if (!has(key)) {
        return null;
      }
      if (!table.isString(List.of(key))) {
        throw problem(key, "network." + key + " must be a string, e.g. \"3000-9999\"");
      }
      return table.getString(List.of(key));
    }

    List<String> strings(String key) throws PolicyFileException {
      if (!has(key)) {
        return null;
      }
      if (!table.isArray(List.of(key))) {
        throw problem(key, "network." + key + " must be an array of strings, e.g. [\"*\"]");
      }
      TomlArray array = table.getArray(List.of(key));
      List<String> values = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        if (!(array.get(i) instanceof String value)) {
          throw new PolicyFileException(
              at(source, array.inputPositionOf(i))
                  + "network."
                  + key
                  + "["
                  + i
                  + "] must be a string");
        }
        values.add(value);
      }
      return values;
    }

    Long count(String key) throws PolicyFileException {
      if (!has(key)) {
        return null;
      }
      if (!table.isLong(List.of(key)) || table.getLong(List.of(key)) < 0) {
        throw problem(key, "network." + key + " must be a whole number, 0 or more");
      }
      return table.getLong(List.of(key));
    }

    /** Parses each rule of {@code key}, handing it on; a bad one names its key and line. */
    void rules(String key, List<String> texts, Consumer<Rule> into) throws PolicyFileException {
      if (texts == null) {
        return;
      }
      for (int i = 0; i < texts.size(); i++) {
        try {
          into.accept(Rule.parse(texts.get(i)));
        } catch (IllegalArgumentException e) {
          throw problem(key, "network." + key + ": " + e.getMessage());
        }
      }
    }

    PolicyFileException problem(String key, String message) {
      return new PolicyFileException(at(source, table.inputPositionOf(List.of(key))) + message);
    }

    private boolean has(String key) {
      return table != null && table.contains(List.of(key));
    }
  }
}
