package dev.wasisockets.core.events;

import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;

/**
 * What every socket event says about its socket: the guest's descriptor number, the protocol and
 * both ends as the socket really uses them (after the policy's normalisation: an IPv4-mapped
 * address is the IPv4 address).
 */
public abstract class SocketEvent extends Event {
  @Label("Descriptor")
  @Description("The guest's descriptor number for the socket; -1 while it has none")
  public int fd = -1;

  @Label("Protocol")
  @Description("tcp or udp")
  public String protocol;

  @Label("Local Address")
  @Description("The socket's own address (RFC 5952 text); absent while unbound")
  public String localAddress;

  @Label("Local Port")
  public int localPort;

  @Label("Remote Address")
  @Description("The peer's address (RFC 5952 text); absent when there is none")
  public String remoteAddress;

  @Label("Remote Port")
  public int remotePort;
}
