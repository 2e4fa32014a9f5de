package dev.wasisockets.policy;

/** An inclusive range of TCP/UDP ports. */
public record PortRange(int first, int last) {
  public static final PortRange ALL = new PortRange(0, 65535);

  public PortRange {
    if (first < 0 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "ports run from 0 to 65535, the first no higher than the last; got "
              + first
              + "-"
              + last);
    }
  }

  /** Parses {@code PORT} or {@code PORT-PORT}. */
  public static PortRange parse(String text) {
    int dash = text.indexOf('-');
    try {
      if (dash < 0) {
        int port = Integer.parseInt(text);
        return new PortRange(port, port);
      }
      return new PortRange(
          Integer.parseInt(text.substring(0, dash)), Integer.parseInt(text.substring(dash + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a port or port range (PORT or PORT-PORT, 0 to 65535)");
    }
  }

  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  @Override
  public String toString() {
    return first == last ? Integer.toString(first) : first + "-" + last;
  }
}
