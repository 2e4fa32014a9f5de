package dev.wasisockets.policy;

/**
 * A rule as written, split into its host part and its port part: {@code HOST}, {@code HOST:PORTS},
 * {@code [IPv6]}, {@code [IPv6]/PREFIX:PORTS}, or a bare IPv6 literal (which has no port).
 */
record RuleText(String host, PortRange ports) {

  static RuleText split(String text) {
    String rest = text.strip();
    String host;
    String portPart = null;
    if (rest.startsWith("[")) {
      int close = rest.indexOf(']');
      if (close < 0) {
        throw invalid(text, "missing ']'");
      }
      host = rest.substring(1, close);
      String after = rest.substring(close + 1);
      int colon = after.indexOf(':');
      if (colon >= 0) {
        portPart = after.substring(colon + 1);
        after = after.substring(0, colon);
      }
      host += after; // a "/PREFIX" written after the brackets
    } else if (rest.indexOf(':') != rest.lastIndexOf(':')) {
      host = rest; // bare IPv6, no port
    } else {
      int colon = rest.indexOf(':');
      host = colon < 0 ? rest : rest.substring(0, colon);
      portPart = colon < 0 ? null : rest.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw invalid(text, "no host");
    }
    try {
      return new RuleText(host, portPart == null ? PortRange.ALL : PortRange.parse(portPart));
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
  }

  static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException(
        "'"
            + text
            + "' is not a rule ("
            + why
            + "); expected *, an IP address or CIDR block (IPv6 in brackets when a port"
            + " follows), an address class such as private, or a domain such as"
            + " *.example.com, then optionally :PORT or :PORT-PORT");
  }
}
