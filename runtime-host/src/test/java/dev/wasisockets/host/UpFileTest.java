package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.abi.Dialect;
import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.policy.Decision;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading up files: every key, and each kind of mistake as one message naming its key. */
class UpFileTest {
  private static final String ECHO =
      """
      [[guest]]
      name = "echo"
      wasm = "echo_server.wasm"
      args = ["2"]
      listen = ["0.0.0.0:7000"]
      """;

  /** A guest with only its required keys: a key added after it is on line 4. */
  private static final String BASE =
      """
      [[guest]]
      name = "echo"
      wasm = "echo_server.wasm"
      """;

  @TempDir Path dir;

  @Test
  void theIssuesExampleReads() throws Exception {
    UpFile file =
        parse(
            ECHO
                + """
                allow_connect = ["db:5432"]
                allow_lookup = true

                [[publish]]
                from = "127.0.0.1:18080"
                to = "echo:7000"
                """);

    UpFile.Guest echo = file.guests().get(0);
    assertThat(echo.name()).isEqualTo("echo");
    assertThat(echo.wasm()).isEqualTo(dir.resolve("echo_server.wasm"));
    assertThat(echo.args()).containsExactly("2");
    assertThat(echo.listen()).containsExactly(IpLiteral.parseSocketAddress("0.0.0.0:7000"));
    assertThat(echo.addresses()).isEmpty();
    assertThat(echo.abi()).isEqualTo(Dialect.AUTO);
    assertThat(echo.trace()).isNull();
    assertThat(echo.policy().decideLookup("db").allowed()).isTrue();
    UpFile.Publish publish = file.publishes().get(0);
    assertThat(IpLiteral.format(publish.from())).isEqualTo("127.0.0.1:18080");
    assertThat(publish.to()).isEqualTo("echo");
    assertThat(publish.toPort()).isEqualTo(7000);
    assertThat(publish.maxConnections()).isEqualTo(64);
  }

  @Test
  void everyOtherKeyReads() throws Exception {
    Files.createDirectory(dir.resolve("data"));
    Files.writeString(dir.resolve("policy.toml"), "[network]\nlookup = [\"*\"]\n");
    UpFile file =
        parse(
            """
            [[guest]]
            name = "app"
            wasm = "sub/app.wasm"
            env = { LANG = "C", MODE = "test" }
            dir = ["data::/data"]
            addresses = ["10.1.0.5", "fd00::5"]
            allow_bind = ["0.0.0.0:8000"]
            allow_udp = ["10.1.0.0/16:53"]
            deny = ["10.1.0.9"]
            policy = "policy.toml"
            abi = "wasmedge"
            trace = "app.trace"

            [[guest]]
            name = "other"
            wasm = "other.wasm"
            trace = "-"

            [[publish]]
            from = "[::1]:0"
            to = "APP:8000"
            max_connections = 3
            """);

    UpFile.Guest app = file.guests().get(0);
    assertThat(app.wasm()).isEqualTo(dir.resolve("sub/app.wasm"));
    assertThat(app.env()).containsExactlyInAnyOrderEntriesOf(Map.of("LANG", "C", "MODE", "test"));
    assertThat(app.dirs()).containsExactly(new DirectoryPreopen(dir.resolve("data"), "/data"));
    assertThat(app.addresses())
        .containsExactly(InetAddress.getByName("10.1.0.5"), InetAddress.getByName("fd00::5"));
    assertThat(app.abi()).isEqualTo(Dialect.WASMEDGE);
    assertThat(app.trace()).isEqualTo(dir.resolve("app.trace").toString());
    assertThat(app.policy().decideLookup("db").allowed()).as("from the policy file").isTrue();
    assertThat(decision(app, NetworkUse.UDP_SEND, "10.1.2.3", 53)).isTrue();
    assertThat(decision(app, NetworkUse.UDP_SEND, "10.1.0.9", 53)).as("denied").isFalse();
    assertThat(decision(app, NetworkUse.BIND, "0.0.0.0", 8000)).isTrue();
    assertThat(decision(app, NetworkUse.TCP_CONNECT, "10.1.2.3", 80)).isFalse();
    assertThat(file.guests().get(1).trace()).isEqualTo(UpFile.TRACE_TO_STDERR);
    UpFile.Publish publish = file.publishes().get(0);
    assertThat(IpLiteral.format(publish.from())).isEqualTo("[::1]:0");
    assertThat(publish.to()).isEqualTo("APP");
    assertThat(publish.maxConnections()).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          a listen address that is not one | listen = ["x"]          | guest[0].listen[0]: not an address: "x" (ADDRESS:PORT) (line 4)
          a listen entry of the wrong type | listen = [7000]         | guest[0].listen[0]: must be a string (line 4)
          a key of the wrong type          | args = "2"              | guest[0].args: must be an array of strings, e.g. ["a", "b"] (line 4)
          an unknown key (a typo)          | alow_lookup = true      | guest[0].alow_lookup: unknown key (see docs/virtual-network.md, "up") (line 4)
          a lookup grant not a boolean     | allow_lookup = "yes"    | guest[0].allow_lookup: must be true or false (line 4)
          a bad grant                      | allow_connect = ["1.2.3.4:99999"] | guest[0].allow_connect[0]: '1.2.3.4:99999' is not a rule (ports run from 0 to 65535, the first no higher than the last; got 99999-99999); expected *, an IP address or CIDR block (IPv6 in brackets when a port follows), an address class such as private, or a domain such as *.example.com, then optionally :PORT or :PORT-PORT (line 4)
          a bad address                    | addresses = ["10.0.0"]  | guest[0].addresses[0]: not an IP address: "10.0.0" (line 4)
          a loopback address               | addresses = ["127.0.0.2"] | guest[0].addresses[0]: a host cannot have 127.0.0.2 (a wildcard, loopback or multicast address) (line 4)
          an unknown dialect               | abi = "wasi"            | guest[0].abi: "wasi" is not one of auto, preview1, wasmedge, legacy2020 (line 4)
          an env value not a string        | env = { N = 1 }         | guest[0].env.N: must be a string (line 4)
          a directory that is not there    | dir = ["nowhere"]       | guest[0].dir[0]: not a directory: DIR/nowhere (line 4)
          a policy file that is not there  | policy = "none.toml"    | guest[0].policy: DIR/none.toml: no such file (line 4)
          """)
  void aBadGuestKeyIsOneMessageNamingIt(String what, String line, String message) {
    assertThatThrownBy(() -> parse(BASE + line + "\n"))
        .isInstanceOf(UpFileException.class)
        .hasMessage(message.replace("DIR", dir.toString()));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          a publish to no guest           | from = "127.0.0.1:18080" @ to = "db:5432"     | publish[0].to: no guest is named "db" (line 8)
          a publish to no port            | from = "127.0.0.1:18080" @ to = "echo"        | publish[0].to: not GUEST:PORT: "echo" (e.g. "echo:7000") (line 8)
          a publish to port 0             | from = "127.0.0.1:18080" @ to = "echo:0"      | publish[0].to: not GUEST:PORT: "echo:0" (e.g. "echo:7000") (line 8)
          a publish from a public address | from = "0.0.0.0:18080" @ to = "echo:7000"     | publish[0].from: not a loopback address: "0.0.0.0:18080" (a port is published on 127.0.0.1 or ::1 only: reachable from this machine alone) (line 7)
          a publish from no address       | from = "localhost:80" @ to = "echo:7000"      | publish[0].from: not an address: "localhost:80" (ADDRESS:PORT) (line 7)
          a publish without its from      | to = "echo:7000"                              | publish[0].from: missing (it is required)
          a publish with a zero bound     | from = "127.0.0.1:0" @ to = "echo:7000" @ max_connections = 0 | publish[0].max_connections: must be from 1 to 65536, got 0 (line 9)
          a publish with an unknown key   | from = "127.0.0.1:0" @ to = "echo:7000" @ port = 1 | publish[0].port: unknown key (see docs/virtual-network.md, "up") (line 9)
          """)
  void aBadPublishKeyIsOneMessageNamingIt(String what, String lines, String message) {
    assertThatThrownBy(() -> parse(ECHO + "[[publish]]\n" + lines.replace(" @ ", "\n") + "\n"))
        .isInstanceOf(UpFileException.class)
        .hasMessage(message);
  }

  private static final String TWO = ECHO + "[[guest]]\nname = \"db\"\nwasm = \"db.wasm\"\n";

  @Test
  void theFaultTablesRead() throws Exception {
    UpFile file =
        parse(
            TWO
                + """
                [network]
                seed = 42
                connect_timeout_ms = 1500

                [[link]]
                between = ["echo", "db"]
                latency_ms = 2.5
                bandwidth_mbps = 100

                [[link]]
                from = "db"
                to = "echo"
                loss = 0.1
                duplication = 0.01
                reordering = 0.2

                [[fault]]
                partition = ["echo", "db"]

                [[fault]]
                at_ms = 1000
                heal = ["echo", "db"]

                [[fault]]
                at_ms = 2000
                reset = "db"

                [[fault]]
                at_ms = 3000
                blackhole = "echo"

                [[fault]]
                at_ms = 4000
                heal_all = true
                """);

    assertThat(file.network()).isEqualTo(new UpFile.Network(42, Duration.ofMillis(1500)));
    assertThat(file.links())
        .containsExactly(
            new UpFile.Link("echo", "db", true, Duration.ofNanos(2_500_000), 100_000_000, 0, 0, 0),
            new UpFile.Link("db", "echo", false, Duration.ZERO, 0, 0.1, 0.01, 0.2));
    assertThat(file.faults())
        .containsExactly(
            new UpFile.Fault(Duration.ZERO, "partition", List.of("echo", "db")),
            new UpFile.Fault(Duration.ofSeconds(1), "heal", List.of("echo", "db")),
            new UpFile.Fault(Duration.ofSeconds(2), "reset", List.of("db")),
            new UpFile.Fault(Duration.ofSeconds(3), "blackhole", List.of("echo")),
            new UpFile.Fault(Duration.ofSeconds(4), "heal_all", List.of()));
    assertThat(parse(ECHO).network()).isEqualTo(UpFile.Network.DEFAULT);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          a link to no guest          | [[link]] @ between = ["echo", "web"]                 | link[0].between: no guest is named "web" (line 10)
          a link of three             | [[link]] @ between = ["echo", "db", "x"]            | link[0].between: must name two guests, got 3 (line 10)
          a link both ways and one    | [[link]] @ between = ["echo", "db"] @ from = "db"    | link[0].from: give either between = ["a", "b"] (both ways) or from and to (one way) (line 11)
          a link without its to       | [[link]] @ from = "db"                              | link[0].to: missing (from and to go together)
          a loss above 1              | [[link]] @ from = "db" @ to = "echo" @ loss = 1.5   | link[0].loss: a probability is from 0 to 1, got 1.5 (line 12)
          a negative latency          | [[link]] @ from = "db" @ to = "echo" @ latency_ms = -1 | link[0].latency_ms: cannot be negative, got -1.0 (line 12)
          a latency as text           | [[link]] @ from = "db" @ to = "echo" @ latency_ms = "5ms" | link[0].latency_ms: must be a number (line 12)
          a fault of two actions      | [[fault]] @ reset = "db" @ blackhole = "db"          | fault[0]: needs exactly one of partition, heal, blackhole, reset, heal_all, got blackhole and reset
          a fault of no action        | [[fault]] @ at_ms = 5                               | fault[0]: needs exactly one of partition, heal, blackhole, reset, heal_all
          a partition of one          | [[fault]] @ partition = ["db"]                      | fault[0].partition: must name two guests, e.g. ["a", "b"] (line 10)
          a reset of no guest         | [[fault]] @ reset = "web"                           | fault[0].reset: no guest is named "web" (line 10)
          a fault before the start    | [[fault]] @ at_ms = -5 @ reset = "db"               | fault[0].at_ms: cannot be negative, got -5.0 (line 10)
          a network of unknown keys   | [network] @ speed = 1                               | network.speed: unknown key (see docs/virtual-network.md, "up") (line 10)
          a connect timeout of zero   | [network] @ connect_timeout_ms = 0                  | network.connect_timeout_ms: must be more than 0, got 0.0 (line 10)
          networks as tables          | [[network]] @ seed = 1                              | network: must be a table, written [network] (line 9)
          """)
  void aBadFaultKeyIsOneMessageNamingIt(String what, String lines, String message) {
    assertThatThrownBy(() -> parse(TWO + lines.replace(" @ ", "\n") + "\n"))
        .isInstanceOf(UpFileException.class)
        .hasMessage(message);
  }

  @Test
  void forwardsRead() throws Exception {
    UpFile file =
        parse(
            ECHO
                + """
                [[forward]]
                name = "db"
                port = 5432
                to = "127.0.0.1:15432"

                [[forward]]
                name = "db"
                port = 6379
                to = "[::1]:16379"
                max_connections = 4
                """);

    assertThat(file.forwards())
        .containsExactly(
            new UpFile.Forward(
                "db", 5432, new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 15432), 64),
            new UpFile.Forward(
                "db", 6379, new InetSocketAddress(InetAddress.getByName("::1"), 16379), 4));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          a forward named as a guest  | name = "echo" @ port = 1 @ to = "127.0.0.1:1"   | forward[0].name: "echo" is a guest's name: a forward is a host of its own (line 7)
          a forward without its port  | name = "db" @ to = "127.0.0.1:1"               | forward[0].port: missing (it is required)
          a forward to port 0         | name = "db" @ port = 0 @ to = "127.0.0.1:1"    | forward[0].port: must be from 1 to 65535, got 0 (line 8)
          a forward to a name         | name = "db" @ port = 1 @ to = "db.example:1"   | forward[0].to: not an address: "db.example:1" (ADDRESS:PORT, an IP literal) (line 9)
          """)
  void aBadForwardKeyIsOneMessageNamingIt(String what, String lines, String message) {
    assertThatThrownBy(() -> parse(ECHO + "[[forward]]\n" + lines.replace(" @ ", "\n") + "\n"))
        .isInstanceOf(UpFileException.class)
        .hasMessage(message);
  }

  @Test
  void aGuestWithoutItsNameOrModuleIsRefused() {
    assertThatThrownBy(() -> parse("[[guest]]\nwasm = \"a.wasm\"\n"))
        .hasMessage("guest[0].name: missing (it is required)");
    assertThatThrownBy(() -> parse("[[guest]]\nname = \"a\"\n"))
        .hasMessage("guest[0].wasm: missing (it is required)");
  }

  @Test
  void aPathTheFileSystemCannotNameIsRefused() {
    assertThatThrownBy(() -> parse("[[guest]]\nname = \"a\"\nwasm = \"a\\u0000.wasm\"\n"))
        .hasMessage("guest[0].wasm: not a path: \"a\u0000.wasm\" (line 3)");
  }

  @Test
  void aSecondGuestOfTheSameNameIsRefusedWhateverItsCase() {
    assertThatThrownBy(() -> parse(ECHO + "[[guest]]\nname = \"Echo\"\nwasm = \"b.wasm\"\n"))
        .isInstanceOf(UpFileException.class)
        .hasMessage(
            "guest[1].name: \"Echo\" is already guest[0]'s name"
                + " (names are compared ignoring case, as DNS does)");
  }

  @Test
  void twoGuestsWithOneAddressAreRefused() {
    String guests =
        """
        [[guest]]
        name = "a"
        wasm = "a.wasm"
        addresses = ["10.1.0.1"]
        [[guest]]
        name = "b"
        wasm = "b.wasm"
        addresses = ["fd00::1", "10.1.0.1"]
        """;
    assertThatThrownBy(() -> parse(guests))
        .hasMessage("guest[1].addresses[1]: 10.1.0.1 is already guest[0]'s address");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "my_host | not a host name: \"my_host\" (letters, digits and inner hyphens, at most 63,"
            + " not localhost) (line 2)",
        "localhost | not a host name: \"localhost\" (letters, digits and inner hyphens, at most 63,"
            + " not localhost) (line 2)",
        "-a | not a host name: \"-a\" (letters, digits and inner hyphens, at most 63, not"
            + " localhost) (line 2)"
      })
  void aNameThatIsNotAHostNameIsRefused(String name, String message) {
    assertThatThrownBy(() -> parse("[[guest]]\nname = \"" + name + "\"\nwasm = \"a.wasm\"\n"))
        .hasMessage("guest[0].name: " + message);
  }

  @Test
  void theFileMustHaveAGuestAndOnlyTheTablesItKnows() {
    assertThatThrownBy(() -> parse("")).hasMessageStartingWith("guest: the file has no [[guest]]");
    assertThatThrownBy(() -> parse(ECHO + "[[service]]\nname = \"x\"\n"))
        .hasMessage(
            "service: unknown table or key (an up file has [[guest]], [[publish]], [[forward]],"
                + " [[link]] and [[fault]] tables, and a [network] table) (line 6)");
    assertThatThrownBy(() -> parse("[guest]\nname = \"a\"\n"))
        .hasMessage("guest: must be an array of tables, written [[guest]] (line 1)");
    assertThatThrownBy(() -> parse("[[guest]\n")).hasMessageStartingWith("not valid TOML: ");
  }

  @Test
  void aMissingFileIsSaidSo() {
    assertThatThrownBy(() -> UpFile.read(dir.resolve("up.toml")))
        .hasMessage(dir.resolve("up.toml") + ": no such file");
  }

  private static boolean decision(UpFile.Guest guest, NetworkUse use, String address, int port)
      throws Exception {
    Decision decision =
        guest.policy().decide(use, new InetSocketAddress(InetAddress.getByName(address), port));
    return decision.allowed();
  }

  private UpFile parse(String text) throws UpFileException {
    return UpFile.parse(text, dir);
  }
}
