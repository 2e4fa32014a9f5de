package dev.wasisockets.gateway;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.policy.Decision;
import dev.wasisockets.policy.HostResolver;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.Resolution;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.MessageType;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Decides each use of an address or a name that one client asks for, under the gateway's policy. A
 * name is resolved once, off the event loop, and every address it has is decided ({@link
 * NetworkPolicy#resolve}): the caller uses the address that passed and resolves nothing again. A
 * refusal is the event that answers the client: {@code denied} naming the rule (the policy logs its
 * own WARNING line, the {@link AccessLog} its denial line), or {@code error} when the name cannot
 * be resolved. Every answer comes on the session's event loop.
 */
final class PolicyCheck {
  private final NetworkPolicy policy;
  private final HostResolver resolver;
  private final LookupsInFlight lookups;
  private final AccessLog accessLog;
  private final SessionTally tally;

  PolicyCheck(
      NetworkPolicy policy,
      HostResolver resolver,
      LookupsInFlight lookups,
      AccessLog accessLog,
      SessionTally tally) {
    this.policy = policy;
    this.resolver = resolver;
    this.lookups = lookups;
    this.accessLog = accessLog;
    this.tally = tally;
  }

  /**
   * Decides {@code use} of the request's host and port: {@code allowed} with the address to use, or
   * {@code refused} with the client's event. A literal, in any spelling, is decided at once, which
   * keeps datagrams to literal addresses in order.
   */
  void check(
      Request.Addressed request,
      NetworkUse use,
      Consumer<InetSocketAddress> allowed,
      Consumer<Event> refused) {
    long id = request.id();
    String host = request.addr();
    int port = request.port();
    OffLoopLookup.Step<Resolution> decide = () -> policy.resolve(use, host, port, resolver);
    Consumer<Resolution> decided =
        resolution -> {
          if (resolution.allowed()) {
            allowed.accept(resolution.address());
          } else {
            denied(request.type(), id, AccessLog.target(host, port), resolution.decision());
            refused.accept(
                new Event.Denied(
                    id,
                    use.description()
                        + " to "
                        + host
                        + ":"
                        + port
                        + deniedBy(resolution.decision())));
          }
        };
    Consumer<IOException> failed =
        e ->
            refused.accept(
                new Event.Error(id, "cannot resolve " + host + ": " + GatewaySession.describe(e)));
    if (IpLiteral.parseLenient(host) != null) {
      try {
        decided.accept(decide.run());
      } catch (IOException e) {
        failed.accept(e);
      }
    } else {
      lookups.start(decide, decided, failed);
    }
  }

  /**
   * A {@code resolve} of the request's name, if the policy allows the lookup: {@code answer} gets
   * {@code resolved} with every address in RFC 5952 text (each is checked again when used), {@code
   * denied} or {@code error}.
   */
  void resolve(Request.Resolve request, Consumer<Event> answer) {
    long id = request.id();
    String name = request.name();
    Decision decision = policy.decideLookup(name);
    if (!decision.allowed()) {
      denied(request.type(), id, name, decision);
      answer.accept(new Event.Denied(id, "name lookup of " + name + deniedBy(decision)));
      return;
    }
    lookups.start(
        () -> {
          List<String> addrs = new ArrayList<>();
          for (InetAddress address : resolver.resolve(name)) {
            addrs.add(IpLiteral.format(address));
          }
          return new Event.Resolved(id, addrs);
        },
        answer,
        e ->
            answer.accept(
                new Event.Error(id, "cannot resolve " + name + ": " + GatewaySession.describe(e))));
  }

  private void denied(MessageType op, long id, String target, Decision decision) {
    accessLog.denied(tally, op, id, target, decision.rule());
  }

  private static String deniedBy(Decision decision) {
    return " denied by policy (rule: " + decision.rule() + ")";
  }
}
