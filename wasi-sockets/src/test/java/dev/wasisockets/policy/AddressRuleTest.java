package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.address.IpLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRuleTest {

  @ParameterizedTest(name = "{0} matches {1}:{2} = {3}")
  @CsvSource({
    "127.0.0.1:8080,        127.0.0.1,        8080, true",
    "127.0.0.1:8080,        127.0.0.1,        8081, false",
    "127.0.0.1:8080,        127.0.0.2,        8080, false",
    "127.0.0.1,             127.0.0.1,        1,    true",
    "10.0.0.0/8:8000-8999,  10.200.3.4,       8999, true",
    "10.0.0.0/8:8000-8999,  10.200.3.4,       9000, false",
    "10.0.0.0/8:8000-8999,  11.0.0.1,         8000, false",
    "10.1.2.3/8,            10.9.9.9,         80,   true",
    "0.0.0.0/0,             192.0.2.1,        80,   true",
    "0.0.0.0/0,             ::1,              80,   false",
    "*,                     ::1,              80,   true",
    "*:443,                 192.0.2.1,        443,  true",
    "*:443,                 192.0.2.1,        80,   false",
    "::1,                   ::1,              5,    true",
    "[::1]:5,               ::1,              5,    true",
    "[::1]:5,               ::1,              6,    false",
    "[2001:db8::]/32:8000-8999, 2001:db8:ffff::1, 8500, true",
    "[2001:db8::]/32:8000-8999, 2001:db9::1,  8500, false",
    "2001:db8::/32,         2001:db8::7,      1,    true",
    // An IPv4-mapped spelling is the IPv4 address on both sides.
    "127.0.0.1:80,          ::ffff:127.0.0.1, 80,   true",
    "[::ffff:10.0.0.0]/104, 10.1.1.1,         80,   true",
    "[::ffff:10.0.0.0]/104, 11.1.1.1,         80,   false",
    "[::1]:80,              ::ffff:127.0.0.1, 80,   false",
  })
  void matchesAddressAndPort(String rule, String address, int port, boolean expected)
      throws UnknownHostException {
    InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(address), port);

    assertThat(AddressRule.parse(rule).matches(target)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost:80", // names are not addresses: rules never trigger a lookup
        "127.1:80", // shortened IPv4 is not accepted in a rule
        "256.0.0.1",
        "010.0.0.1", // octal to some parsers, decimal to others: refused
        "10.0.0.0/33",
        "[::1]/129",
        "127.0.0.1:70000",
        "127.0.0.1:90-80",
        "127.0.0.1:http",
        "[::1:80",
        "[::ffff:10.0.0.0]/64", // a mapped block must stay inside the mapped range
        ""
      })
  void rejectsWhatIsNotARuleWithAMessageNamingIt(String text) {
    assertThatThrownBy(() -> AddressRule.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'");
  }

  @ParameterizedTest
  @CsvSource({"127.0.0.1:8080, 127.0.0.1:8080", "::1, ::1", "[::1]:9-10, [::1]:9-10"})
  void printsAsWritten(String text, String printed) {
    assertThat(AddressRule.parse(text)).hasToString(printed);
  }

  @ParameterizedTest
  @CsvSource({
    "::1, ::1",
    "2001:db8::1, 2001:db8::1",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    "fe80::, fe80::",
    "::, ::",
    "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
    "1:0:3:4:5:6:7:8, 1:0:3:4:5:6:7:8"
  })
  void formatsIpv6InTheShortForm(String address, String expected) throws UnknownHostException {
    assertThat(IpLiteral.format(InetAddress.getByName(address))).isEqualTo(expected);
  }
}
