package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.LogText;
import org.junit.jupiter.api.Test;

/** The access log's line format, value by value (GatewayAccessLogTest has it through a gateway). */
class AccessLogLineTest {
  private static String value(String value) {
    return new AccessLog.Line().add("k", value).toString().substring("k=".length());
  }

  @Test
  void printableAsciiWithoutSpacesOrQuotesIsBare() {
    assertThat(value("https://app.example:8443")).isEqualTo("https://app.example:8443");
    assertThat(value("[::1]:53")).isEqualTo("[::1]:53");
  }

  @Test
  void absentIsADashAndADashOrNothingIsQuoted() {
    assertThat(value(null)).isEqualTo("-");
    assertThat(value("-")).isEqualTo("\"-\"");
    assertThat(value("")).isEqualTo("\"\"");
  }

  @Test
  void spacesEqualsQuotesAndBackslashesAreQuoted() {
    assertThat(value("deny private")).isEqualTo("\"deny private\"");
    assertThat(value("a=b")).isEqualTo("\"a=b\"");
    assertThat(value("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
  }

  @Test
  void everyCharacterOutsidePrintableAsciiIsEscaped() {
    assertThat(value("a\nb\rc\td")).isEqualTo("\"a\\nb\\rc\\td\"");
    assertThat(value("\u0000\u001b\u007f")).isEqualTo("\"\\u0000\\u001b\\u007f\"");
    assertThat(value("\u00e9\u202e\u2028")).isEqualTo("\"\\u00e9\\u202e\\u2028\"");
    // Beyond the BMP: each half of the surrogate pair.
    assertThat(value("\uD83D\uDE00")).isEqualTo("\"\\ud83d\\ude00\"");
  }

  @Test
  void aLongValueIsCutAndSaysSo() {
    String kept = "a".repeat(LogText.MAX_CHARS);
    assertThat(value(kept + "bcd")).isEqualTo("\"" + kept + "...\"");
    assertThat(value(kept)).isEqualTo(kept);
  }

  @Test
  void pairsKeepTheirOrder() {
    assertThat(new AccessLog.Line().add("event", "open").add("session", 3).toString())
        .isEqualTo("event=open session=3");
  }

  @Test
  void thePathLeavesOutTheTokenHoweverItIsSpelled() {
    assertThat(AccessLog.withoutToken("/?token=s3cret")).isEqualTo("/");
    assertThat(AccessLog.withoutToken("/ws?room=7&token=s3cret&x=1")).isEqualTo("/ws?room=7&x=1");
    // The access check decodes the name, so "%74oken" is a token too; so is one after ";".
    assertThat(AccessLog.withoutToken("/?%74oken=s3cret")).isEqualTo("/");
    assertThat(AccessLog.withoutToken("/?a=1;token=s3cret")).isEqualTo("/?a=1");
  }
}
