package dev.wasisockets.policy;

/** What a guest wants to do with an address or a name; each grant names one use. */
public enum NetworkUse {
  TCP_CONNECT("tcp connect", "--allow-connect"),
  /** Binding a local address, to listen on it or to receive UDP on it. */
  BIND("bind", "--allow-bind"),
  /** Sending UDP datagrams to an address (send_to, or connect to set the default peer). */
  UDP_SEND("udp send", "--allow-udp"),
  /** Looking a name up; rules for it are domains (or {@code *}). */
  LOOKUP("name lookup", "--allow-lookup");

  private final String description;
  private final String grantFlag;

  NetworkUse(String description, String grantFlag) {
    this.description = description;
    this.grantFlag = grantFlag;
  }

  /** How log lines name the use, e.g. "tcp connect". */
  public String description() {
    return description;
  }

  /** The launcher flag that grants this use, for messages that tell a user what to add. */
  public String grantFlag() {
    return grantFlag;
  }
}
