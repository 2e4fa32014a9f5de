package dev.wasisockets.host;

import dev.wasisockets.abi.Dialect;
import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.Rule;
import dev.wasisockets.policy.file.PolicyFile;
import dev.wasisockets.policy.file.PolicyFileException;
import dev.wasisockets.transport.virtual.PublishedPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * An {@code up} file: the guests of one virtual network and the ports published from it, read from
 * TOML (docs/virtual-network.md, "up"). Everything is checked here, before anything starts: a
 * missing key, a value of the wrong type, a key this reader does not know (a typo must not pass
 * silently), a duplicate name, a bad address, a publish to no guest. Each is one {@link
 * UpFileException} naming the key as {@code guest[1].listen[0]} (arrays counted from 0).
 *
 * <p>One method reads each kind of table ({@link #guest}, {@link #publish}, {@link #link}, {@link
 * #fault}, {@link #network}); a new kind is a new entry in {@link #TABLES} and a new method.
 *
 * @param guests the {@code [[guest]]} tables, in the file's order
 * @param publishes the {@code [[publish]]} tables, in the file's order
 * @param network the {@code [network]} table: the faults' seed and connect timeout
 * @param links the {@code [[link]]} tables: faults on links between guests
 * @param faults the {@code [[fault]]} tables: faults at a time after the start
 * @param forwards the {@code [[forward]]} tables: members whose ports are real servers'
 */
record UpFile(
    List<Guest> guests,
    List<Publish> publishes,
    Network network,
    List<Link> links,
    List<Fault> faults,
    List<Forward> forwards) {
  /** The tables an up file may have, each an array of tables ({@code [[guest]]}). */
  private static final Set<String> TABLES = Set.of("guest", "publish", "link", "fault", "forward");

  private static final Set<String> FORWARD_KEYS = Set.of("name", "port", "to", "max_connections");

  /** The one plain table ({@code [network]}). */
  private static final String NETWORK = "network";

  private static final Set<String> NETWORK_KEYS = Set.of("seed", "connect_timeout_ms");

  private static final Set<String> LINK_KEYS =
      Set.of(
          "between",
          "from",
          "to",
          "latency_ms",
          "bandwidth_mbps",
          "loss",
          "duplication",
          "reordering");

  /** What a {@code [[fault]]} does: exactly one of these keys, besides {@code at_ms}. */
  private static final List<String> FAULT_ACTIONS =
      List.of("partition", "heal", "blackhole", "reset", "heal_all");

  private static final Set<String> GUEST_KEYS =
      Set.of(
          "name",
          "wasm",
          "args",
          "env",
          "dir",
          "listen",
          "addresses",
          "allow_connect",
          "allow_bind",
          "allow_udp",
          "allow_lookup",
          "deny",
          "policy",
          "abi",
          "trace");

  private static final Set<String> PUBLISH_KEYS = Set.of("from", "to", "max_connections");

  /**
   * The faults' settings of the network.
   *
   * @param connectTimeout how long an unanswered connect waits, or null for the network's default
   */
  record Network(long seed, Duration connectTimeout) {
    static final Network DEFAULT = new Network(0, null);
  }

  /**
   * Faults on the link from one guest to another ({@code bothWays}: and back).
   *
   * @param bitsPerSecond 0: unlimited
   */
  record Link(
      String from,
      String to,
      boolean bothWays,
      Duration latency,
      long bitsPerSecond,
      double loss,
      double duplication,
      double reordering) {}

  /**
   * A fault at {@code at} after the guests start: {@code action} (one of partition, heal,
   * blackhole, reset, heal_all) on {@code guests} (two for partition and heal, one for blackhole
   * and reset, none for heal_all).
   */
  record Fault(Duration at, String action, List<String> guests) {}

  /**
   * A member that is not a guest, whose {@code port} is the real server's at {@code to}.
   *
   * @param name its host name on the network (several forwards may share one: ports of one host)
   */
  record Forward(String name, int port, InetSocketAddress to, int maxConnections) {}

  /** A host name on the network: one DNS label (RFC 1123), so it cannot be an address. */
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  /** {@code trace = "-"}: the trace lines go to the guest's stderr, prefixed like the rest. */
  static final String TRACE_TO_STDERR = "-";

  /**
   * One guest: its host on the network and how it runs.
   *
   * @param addresses its fixed addresses, or empty for the network's next pair
   * @param trace the trace's file, {@link #TRACE_TO_STDERR}, or null for none
   */
  record Guest(
      String name,
      Path wasm,
      List<String> args,
      Map<String, String> env,
      List<DirectoryPreopen> dirs,
      List<InetSocketAddress> listen,
      List<InetAddress> addresses,
      NetworkPolicy policy,
      Dialect abi,
      String trace) {}

  /**
   * A guest's port published on a real loopback port.
   *
   * @param to the guest the connections go to (a guest's name, as the file spells it)
   */
  record Publish(InetSocketAddress from, String to, int toPort, int maxConnections) {}

  /** Reads the file at {@code file}; relative paths in it are relative to its directory. */
  static UpFile read(Path file) throws UpFileException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new UpFileException(file + ": no such file");
    } catch (IOException e) {
      throw new UpFileException(file + ": cannot read it: " + e.getMessage());
    }
    Path directory = file.toAbsolutePath().getParent();
    return parse(text, directory);
  }

  /** Reads TOML text whose relative paths are relative to {@code directory}. */
  static UpFile parse(String text, Path directory) throws UpFileException {
    TomlParseResult toml = Toml.parse(text);
    if (!toml.errors().isEmpty()) {
      var error = toml.errors().get(0);
      throw new UpFileException("not valid TOML: " + error.getMessage() + lineOf(error.position()));
    }
    for (String key : toml.keySet()) {
      if (!TABLES.contains(key) && !key.equals(NETWORK)) {
        throw new UpFileException(
            key
                + ": unknown table or key (an up file has [[guest]], [[publish]], [[forward]],"
                + " [[link]] and [[fault]] tables, and a [network] table)"
                + lineOf(toml.inputPositionOf(List.of(key))));
      }
    }
    List<TomlTable> guestTables = tables(toml, "guest");
    if (guestTables.isEmpty()) {
      throw new UpFileException("guest: the file has no [[guest]] table: nothing to run");
    }
    List<Guest> guests = new ArrayList<>();
    Map<String, Integer> byName = new HashMap<>();
    Map<InetAddress, String> addressOwners = new HashMap<>();
    for (int i = 0; i < guestTables.size(); i++) {
      Guest guest = guest(new Keys(guestTables.get(i), "guest[" + i + "]"), directory);
      Integer before = byName.putIfAbsent(guest.name().toLowerCase(Locale.ROOT), i);
      if (before != null) {
        throw new UpFileException(
            "guest["
                + i
                + "].name: \""
                + guest.name()
                + "\" is already guest["
                + before
                + "]'s name (names are compared ignoring case, as DNS does)");
      }
      for (int a = 0; a < guest.addresses().size(); a++) {
        String owner = addressOwners.putIfAbsent(guest.addresses().get(a), "guest[" + i + "]");
        if (owner != null) {
          throw new UpFileException(
              "guest["
                  + i
                  + "].addresses["
                  + a
                  + "]: "
                  + IpLiteral.format(guest.addresses().get(a))
                  + " is already "
                  + owner
                  + "'s address");
        }
      }
      guests.add(guest);
    }
    List<TomlTable> publishTables = tables(toml, "publish");
    List<Publish> publishes = new ArrayList<>();
    for (int i = 0; i < publishTables.size(); i++) {
      publishes.add(publish(new Keys(publishTables.get(i), "publish[" + i + "]"), byName));
    }
    List<Link> links = new ArrayList<>();
    List<TomlTable> linkTables = tables(toml, "link");
    for (int i = 0; i < linkTables.size(); i++) {
      links.add(link(new Keys(linkTables.get(i), "link[" + i + "]"), byName));
    }
    List<Fault> faults = new ArrayList<>();
    List<TomlTable> faultTables = tables(toml, "fault");
    for (int i = 0; i < faultTables.size(); i++) {
      faults.add(fault(new Keys(faultTables.get(i), "fault[" + i + "]"), byName));
    }
    List<Forward> forwards = new ArrayList<>();
    List<TomlTable> forwardTables = tables(toml, "forward");
    for (int i = 0; i < forwardTables.size(); i++) {
      Forward forward = forward(new Keys(forwardTables.get(i), "forward[" + i + "]"), byName);
      for (int j = 0; j < i; j++) {
        Forward before = forwards.get(j);
        if (before.name().equalsIgnoreCase(forward.name()) && before.port() == forward.port()) {
          throw new UpFileException(
              "forward["
                  + i
                  + "].port: "
                  + forward.port()
                  + " of \""
                  + forward.name()
                  + "\" is already forward["
                  + j
                  + "]'s");
        }
      }
      forwards.add(forward);
    }
    return new UpFile(
        List.copyOf(guests),
        List.copyOf(publishes),
        network(toml),
        List.copyOf(links),
        List.copyOf(faults),
        List.copyOf(forwards));
  }

  /** One {@code [[forward]]}: a member (not a guest) whose port is a real server's. */
  private static Forward forward(Keys keys, Map<String, Integer> guests) throws UpFileException {
    keys.onlyKnown(FORWARD_KEYS);
    String name = hostName(keys);
    if (guests.containsKey(name.toLowerCase(Locale.ROOT))) {
      throw keys.problem(
          "name", "\"" + name + "\" is a guest's name: a forward is a host of its own");
    }
    long port = keys.whole("port", -1);
    if (port < 1 || port > 65535) {
      throw port == -1
          ? new UpFileException(keys.path() + ".port: missing (it is required)")
          : keys.problem("port", "must be from 1 to 65535, got " + port);
    }
    String toText = keys.requiredString("to");
    InetSocketAddress to;
    try {
      to = IpLiteral.parseSocketAddress(toText);
    } catch (IllegalArgumentException e) {
      throw keys.problem("to", "not an address: \"" + toText + "\" (ADDRESS:PORT, an IP literal)");
    }
    long max = keys.whole("max_connections", PublishedPort.DEFAULT_MAX_CONNECTIONS);
    if (max < 1 || max > 65536) {
      throw keys.problem("max_connections", "must be from 1 to 65536, got " + max);
    }
    return new Forward(name, (int) port, to, (int) max);
  }

  /** The {@code [network]} table, or the defaults. */
  private static Network network(TomlTable toml) throws UpFileException {
    if (!toml.contains(List.of(NETWORK))) {
      return Network.DEFAULT;
    }
    if (!toml.isTable(List.of(NETWORK))) {
      throw new UpFileException(
          NETWORK
              + ": must be a table, written [network]"
              + lineOf(toml.inputPositionOf(List.of(NETWORK))));
    }
    Keys keys = new Keys(toml.getTable(List.of(NETWORK)), NETWORK);
    keys.onlyKnown(NETWORK_KEYS);
    long seed = keys.whole("seed", 0);
    double timeout = keys.number("connect_timeout_ms", -1);
    if (timeout != -1 && !(timeout > 0)) {
      throw keys.problem("connect_timeout_ms", "must be more than 0, got " + timeout);
    }
    return new Network(seed, timeout == -1 ? null : millis(timeout));
  }

  /** One {@code [[link]]}: {@code between = [A, B]} (both ways), or {@code from} and {@code to}. */
  private static Link link(Keys keys, Map<String, Integer> guests) throws UpFileException {
    keys.onlyKnown(LINK_KEYS);
    List<String> between = keys.strings("between");
    String from = keys.string("from");
    String to = keys.string("to");
    boolean bothWays = !between.isEmpty();
    if (bothWays == (from != null || to != null)) {
      throw keys.problem(
          bothWays ? "from" : "between",
          "give either between = [\"a\", \"b\"] (both ways) or from and to (one way)");
    }
    if (bothWays && between.size() != 2) {
      throw keys.problem("between", "must name two guests, got " + between.size());
    }
    if (!bothWays && (from == null || to == null)) {
      throw keys.problem(from == null ? "from" : "to", "missing (from and to go together)");
    }
    String a = bothWays ? between.get(0) : from;
    String b = bothWays ? between.get(1) : to;
    knownGuest(keys, bothWays ? "between" : "from", a, guests);
    knownGuest(keys, bothWays ? "between" : "to", b, guests);
    double latency = keys.number("latency_ms", 0);
    if (!(latency >= 0)) {
      throw keys.problem("latency_ms", "cannot be negative, got " + latency);
    }
    double megabits = keys.number("bandwidth_mbps", 0);
    if (!(megabits >= 0)) {
      throw keys.problem("bandwidth_mbps", "cannot be negative, got " + megabits);
    }
    return new Link(
        a,
        b,
        bothWays,
        millis(latency),
        Math.round(megabits * 1_000_000),
        probability(keys, "loss"),
        probability(keys, "duplication"),
        probability(keys, "reordering"));
  }

  /** One {@code [[fault]]}: {@code at_ms} and exactly one action. */
  private static Fault fault(Keys keys, Map<String, Integer> guests) throws UpFileException {
    List<String> known = new ArrayList<>(FAULT_ACTIONS);
    known.add("at_ms");
    keys.onlyKnown(Set.copyOf(known));
    double at = keys.number("at_ms", 0);
    if (!(at >= 0)) {
      throw keys.problem("at_ms", "cannot be negative, got " + at);
    }
    List<String> actions = FAULT_ACTIONS.stream().filter(keys::has).toList();
    if (actions.size() != 1) {
      throw new UpFileException(
          keys.path()
              + ": needs exactly one of "
              + String.join(", ", FAULT_ACTIONS)
              + (actions.isEmpty() ? "" : ", got " + String.join(" and ", actions)));
    }
    String action = actions.get(0);
    List<String> named =
        switch (action) {
          case "partition", "heal" -> {
            List<String> pair = keys.strings(action);
            if (pair.size() != 2) {
              throw keys.problem(action, "must name two guests, e.g. [\"a\", \"b\"]");
            }
            yield pair;
          }
          case "blackhole", "reset" -> List.of(keys.requiredString(action));
          default -> {
            if (!keys.bool(action)) {
              throw keys.problem(action, "must be true (or left out)");
            }
            yield List.of();
          }
        };
    for (String guest : named) {
      knownGuest(keys, action, guest, guests);
    }
    return new Fault(millis(at), action, named);
  }

  /** The table's {@code name}: a host name on the network. */
  private static String hostName(Keys keys) throws UpFileException {
    String name = keys.requiredString("name");
    if (!HOST_NAME.matcher(name).matches() || name.equalsIgnoreCase("localhost")) {
      throw keys.problem(
          "name",
          "not a host name: \""
              + name
              + "\" (letters, digits and inner hyphens, at most 63, not localhost)");
    }
    return name;
  }

  private static void knownGuest(Keys keys, String key, String name, Map<String, Integer> guests)
      throws UpFileException {
    if (!guests.containsKey(name.toLowerCase(Locale.ROOT))) {
      throw keys.problem(key, "no guest is named \"" + name + "\"");
    }
  }

  private static double probability(Keys keys, String key) throws UpFileException {
    double p = keys.number(key, 0);
    if (!(p >= 0 && p <= 1)) {
      throw keys.problem(key, "a probability is from 0 to 1, got " + p);
    }
    return p;
  }

  private static Duration millis(double millis) {
    return Duration.ofNanos(Math.round(millis * 1_000_000));
  }

  /** One {@code [[guest]]}. */
  private static Guest guest(Keys keys, Path directory) throws UpFileException {
    keys.onlyKnown(GUEST_KEYS);
    String name = hostName(keys);
    Path wasm = keys.path("wasm", directory.toString(), keys.requiredString("wasm"));
    List<String> args = keys.strings("args");
    Map<String, String> env = keys.stringTable("env");

    List<DirectoryPreopen> dirs = new ArrayList<>();
    List<String> dirTexts = keys.strings("dir");
    for (int i = 0; i < dirTexts.size(); i++) {
      DirectoryPreopen preopen;
      try {
        preopen = DirectoryPreopen.parse(dirTexts.get(i));
      } catch (InvalidPathException e) {
        throw keys.problem("dir", i, "not a path: \"" + dirTexts.get(i) + "\"");
      }
      Path host = directory.resolve(preopen.hostDir());
      if (!Files.isDirectory(host)) {
        throw keys.problem("dir", i, "not a directory: " + host);
      }
      dirs.add(new DirectoryPreopen(host, preopen.guestDir()));
    }

    List<InetSocketAddress> listen = new ArrayList<>();
    List<String> listenTexts = keys.strings("listen");
    for (int i = 0; i < listenTexts.size(); i++) {
      try {
        listen.add(IpLiteral.parseSocketAddress(listenTexts.get(i)));
      } catch (IllegalArgumentException e) {
        throw keys.problem(
            "listen", i, "not an address: \"" + listenTexts.get(i) + "\" (ADDRESS:PORT)");
      }
    }

    List<InetAddress> addresses = new ArrayList<>();
    List<String> addressTexts = keys.strings("addresses");
    for (int i = 0; i < addressTexts.size(); i++) {
      InetAddress address = IpLiteral.parse(addressTexts.get(i));
      if (address == null) {
        throw keys.problem("addresses", i, "not an IP address: \"" + addressTexts.get(i) + "\"");
      }
      if (address.isAnyLocalAddress()
          || address.isLoopbackAddress()
          || address.isMulticastAddress()) {
        throw keys.problem(
            "addresses",
            i,
            "a host cannot have "
                + addressTexts.get(i)
                + " (a wildcard, loopback or multicast address)");
      }
      addresses.add(address);
    }

    NetworkPolicy.Builder base;
    String policyFile = keys.string("policy");
    try {
      base =
          policyFile == null
              ? PolicyFile.parse("", "(no policy)", PolicyFile.Defaults.NOTHING_GRANTED)
              : PolicyFile.load(
                  keys.path("policy", directory.toString(), policyFile),
                  PolicyFile.Defaults.NOTHING_GRANTED);
    } catch (PolicyFileException e) {
      throw keys.problem("policy", e.getMessage());
    }
    GuestGrants grants =
        new GuestGrants(
            keys.rules("allow_connect"),
            keys.rules("allow_bind"),
            keys.rules("allow_udp"),
            keys.bool("allow_lookup"),
            false,
            keys.rules("deny"));
    NetworkPolicy policy = grants.addTo(base).build();

    Dialect abi = Dialect.AUTO;
    String abiName = keys.string("abi");
    if (abiName != null) {
      abi = null;
      for (Dialect dialect : Dialect.values()) {
        if (dialect.flagName().equals(abiName)) {
          abi = dialect;
        }
      }
      if (abi == null) {
        throw keys.problem(
            "abi", "\"" + abiName + "\" is not one of auto, preview1, wasmedge, legacy2020");
      }
    }

    String trace = keys.string("trace");
    if (trace != null && !trace.equals(TRACE_TO_STDERR)) {
      trace = keys.path("trace", directory.toString(), trace).toString();
    }
    return new Guest(
        name,
        wasm,
        List.copyOf(args),
        env,
        List.copyOf(dirs),
        List.copyOf(listen),
        List.copyOf(addresses),
        policy,
        abi,
        trace);
  }

  /** One {@code [[publish]]}; {@code guests} are the guests' names (lower case) and indexes. */
  private static Publish publish(Keys keys, Map<String, Integer> guests) throws UpFileException {
    keys.onlyKnown(PUBLISH_KEYS);
    String fromText = keys.requiredString("from");
    InetSocketAddress from;
    try {
      from = IpLiteral.parseSocketAddress(fromText);
    } catch (IllegalArgumentException e) {
      throw keys.problem("from", "not an address: \"" + fromText + "\" (ADDRESS:PORT)");
    }
    if (!from.getAddress().isLoopbackAddress()) {
      throw keys.problem(
          "from",
          "not a loopback address: \""
              + fromText
              + "\" (a port is published on 127.0.0.1 or ::1 only: reachable from this machine"
              + " alone)");
    }
    String toText = keys.requiredString("to");
    int colon = toText.lastIndexOf(':');
    int port = -1;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(toText.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (colon <= 0 || port < 1 || port > 65535) {
      throw keys.problem("to", "not GUEST:PORT: \"" + toText + "\" (e.g. \"echo:7000\")");
    }
    String to = toText.substring(0, colon);
    if (!guests.containsKey(to.toLowerCase(Locale.ROOT))) {
      throw keys.problem("to", "no guest is named \"" + to + "\"");
    }
    long max = keys.whole("max_connections", PublishedPort.DEFAULT_MAX_CONNECTIONS);
    if (max < 1 || max > 65536) {
      throw keys.problem("max_connections", "must be from 1 to 65536, got " + max);
    }
    return new Publish(from, to, port, (int) max);
  }

  /** The array of tables {@code key} ({@code [[key]]}), empty if the file has none. */
  private static List<TomlTable> tables(TomlTable toml, String key) throws UpFileException {
    if (!toml.contains(List.of(key))) {
      return List.of();
    }
    String notTables =
        key
            + ": must be an array of tables, written [["
            + key
            + "]]"
            + lineOf(toml.inputPositionOf(List.of(key)));
    if (!toml.isArray(List.of(key))) {
      throw new UpFileException(notTables);
    }
    TomlArray array = toml.getArray(List.of(key));
    List<TomlTable> tables = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.get(i) instanceof TomlTable table)) {
        throw new UpFileException(notTables);
      }
      tables.add(table);
    }
    return tables;
  }

  private static String lineOf(TomlPosition position) {
    return position == null ? "" : " (line " + position.line() + ")";
  }

  /** Typed reads of one table's keys, each failure naming the key by its path. */
  private static final class Keys {
    private final TomlTable table;
    private final String path; // e.g. guest[1]

    Keys(TomlTable table, String path) {
      this.table = table;
      this.path = path;
    }

    String path() {
      return path;
    }

    boolean has(String key) {
      return table.contains(List.of(key));
    }

    /** A number, whole or not ({@code 20} or {@code 0.5}). */
    double number(String key, double absent) throws UpFileException {
      if (!table.contains(List.of(key))) {
        return absent;
      }
      if (table.isLong(List.of(key))) {
        return table.getLong(List.of(key));
      }
      if (!table.isDouble(List.of(key))) {
        throw problem(key, "must be a number");
      }
      return table.getDouble(List.of(key));
    }

    void onlyKnown(Set<String> known) throws UpFileException {
      for (String key : table.keySet()) {
        if (!known.contains(key)) {
          throw problem(key, "unknown key (see docs/virtual-network.md, \"up\")");
        }
      }
    }

    String requiredString(String key) throws UpFileException {
      String value = string(key);
      if (value == null) {
        throw new UpFileException(path + "." + key + ": missing (it is required)");
      }
      return value;
    }

    String string(String key) throws UpFileException {
      if (!table.contains(List.of(key))) {
        return null;
      }
      if (!table.isString(List.of(key))) {
        throw problem(key, "must be a string");
      }
      return table.getString(List.of(key));
    }

    boolean bool(String key) throws UpFileException {
      if (!table.contains(List.of(key))) {
        return false;
      }
      if (!table.isBoolean(List.of(key))) {
        throw problem(key, "must be true or false");
      }
      return table.getBoolean(List.of(key));
    }

    long whole(String key, long absent) throws UpFileException {
      if (!table.contains(List.of(key))) {
        return absent;
      }
      if (!table.isLong(List.of(key))) {
        throw problem(key, "must be a whole number");
      }
      return table.getLong(List.of(key));
    }

    List<String> strings(String key) throws UpFileException {
      if (!table.contains(List.of(key))) {
        return List.of();
      }
      if (!table.isArray(List.of(key))) {
        throw problem(key, "must be an array of strings, e.g. [\"a\", \"b\"]");
      }
      TomlArray array = table.getArray(List.of(key));
      List<String> values = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        if (!(array.get(i) instanceof String value)) {
          throw new UpFileException(
              path
                  + "."
                  + key
                  + "["
                  + i
                  + "]: must be a string"
                  + lineOf(array.inputPositionOf(i)));
        }
        values.add(value);
      }
      return values;
    }

    /** A table of strings, e.g. {@code env = { LANG = "C" }}. */
    Map<String, String> stringTable(String key) throws UpFileException {
      if (!table.contains(List.of(key))) {
        return Map.of();
      }
      if (!table.isTable(List.of(key))) {
        throw problem(key, "must be a table of strings, e.g. { NAME = \"value\" }");
      }
      TomlTable values = table.getTable(List.of(key));
      Map<String, String> map = new LinkedHashMap<>();
      for (String name : values.keySet()) {
        if (!values.isString(List.of(name))) {
          throw new UpFileException(
              path
                  + "."
                  + key
                  + "."
                  + name
                  + ": must be a string"
                  + lineOf(values.inputPositionOf(List.of(name))));
        }
        map.put(name, values.getString(List.of(name)));
      }
      return map;
    }

    /** Each of {@code key}'s rules, parsed as {@code run}'s grant flags parse theirs. */
    List<Rule> rules(String key) throws UpFileException {
      List<String> texts = strings(key);
      List<Rule> rules = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        try {
          rules.add(Rule.parse(texts.get(i)));
        } catch (IllegalArgumentException e) {
          throw problem(key, i, e.getMessage());
        }
      }
      return rules;
    }

    /** {@code text} (the value of {@code key}) as a path, relative to {@code directory}. */
    Path path(String key, String directory, String text) throws UpFileException {
      try {
        return Path.of(directory).resolve(text);
      } catch (InvalidPathException e) {
        throw problem(key, "not a path: \"" + text + "\"");
      }
    }

    UpFileException problem(String key, String message) {
      return new UpFileException(
          path + "." + key + ": " + message + lineOf(table.inputPositionOf(List.of(key))));
    }

    UpFileException problem(String key, int index, String message) {
      TomlArray array = table.getArray(List.of(key));
      return new UpFileException(
          path
              + "."
              + key
              + "["
              + index
              + "]: "
              + message
              + lineOf(array == null ? null : array.inputPositionOf(index)));
    }
  }
}
