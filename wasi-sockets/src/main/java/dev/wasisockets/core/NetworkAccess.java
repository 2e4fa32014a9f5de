package dev.wasisockets.core;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.core.events.NameLookupEvent;
import dev.wasisockets.core.events.PolicyDecisionEvent;
import dev.wasisockets.core.events.ThrottleEvent;
import dev.wasisockets.policy.Decision;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.TokenBucket;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A guest's way out: the transport its sockets use and the policy every address passes first.
 * Sockets hold one and go through it for every use of an address, so no code path can reach the
 * transport with an address the policy has not seen.
 */
public final class NetworkAccess {
  private static final int REMEMBERED_NAMES = 4096;

  private final Transport transport;
  private final NetworkPolicy policy;
  private final Limits limits;
  private final LongSupplier nanoClock;
  private final TokenBucket sendBucket; // null: no aggregate limit
  private final TokenBucket receiveBucket;
  private final NetworkStatistics statistics = new NetworkStatistics();
  private final ReadinessSet single = new ReadinessSet();
  private final TimedLookups timedLookups = new TimedLookups();
  private int openSockets;
  private int listeners;
  // The name each address came from in the guest's lookups, so that a domain rule that allowed
  // the name also allows connecting to its addresses (the most recent names win).
  private final Map<InetAddress, String> namesOfAddresses =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, String> eldest) {
          return size() > REMEMBERED_NAMES;
        }
      };

  public NetworkAccess(Transport transport, NetworkPolicy policy) {
    this(transport, policy, System::nanoTime);
  }

  /** With the clock bandwidth limits measure time by (tests inject their own). */
  public NetworkAccess(Transport transport, NetworkPolicy policy, LongSupplier nanoClock) {
    this.transport = transport;
    this.policy = policy;
    this.limits = policy.limits();
    this.nanoClock = nanoClock;
    this.sendBucket = bucket(limits.bytesPerSecond());
    this.receiveBucket = bucket(limits.bytesPerSecond());
  }

  public NetworkStatistics statistics() {
    return statistics;
  }

  /** Counts a new socket against the connection limit: ENFILE when the guest has its fill. */
  void admitSocket() {
    requireRoomForSocket();
    openSockets++;
  }

  /** ENFILE if one more socket would be over the connection limit; counts nothing. */
  void requireRoomForSocket() {
    if (limits.maxConnections() > 0 && openSockets >= limits.maxConnections()) {
      throw new ErrnoException(
          Errno.ENFILE, "the guest has " + openSockets + " sockets open, its limit");
    }
  }

  /** A socket closed: one fewer against the limit. */
  void releaseSocket() {
    openSockets--;
  }

  /** Counts a new listener against the listener limit: ENFILE when the guest has its fill. */
  void admitListener() {
    if (limits.maxListeners() > 0 && listeners >= limits.maxListeners()) {
      throw new ErrnoException(
          Errno.ENFILE, "the guest has " + listeners + " listeners, its limit");
    }
    listeners++;
  }

  /** A listener closed. */
  void releaseListener() {
    listeners--;
  }

  /** The backlog a listener gets: what the guest asked for, cut down to the limit. */
  int backlog(int requested) {
    int max = limits.maxPendingAccepts();
    return max > 0 && (requested <= 0 || requested > max) ? max : requested;
  }

  /** How long a connection may stay idle, in nanoseconds; 0: no limit. */
  long idleNanos() {
    return limits.idleTimeout().toNanos();
  }

  /** Now, on the clock limits are measured by. */
  long now() {
    return nanoClock.getAsLong();
  }

  /** A new socket's meter: its own buckets when a per-socket rate is set. */
  Meter meter() {
    long rate = limits.socketBytesPerSecond();
    return rate == 0 ? Meter.UNLIMITED : new Meter(bucket(rate), bucket(rate));
  }

  /** How long a blocking connect may wait; negative: no limit. */
  long connectWait() {
    return limits.connectTimeout().isZero() ? -1 : limits.connectTimeout().toNanos();
  }

  /**
   * How many of {@code wanted} bytes the socket at descriptor {@code fd} may send now under the
   * bandwidth limits. With {@code block}, waits (the guest's thread sleeps) until at least one may;
   * without, 0 means none may. With {@code whole} (a datagram), all of them or none.
   */
  long sendAllowance(Meter meter, int fd, long wanted, boolean block, boolean whole) {
    return allowance(sendBucket, meter.send, fd, "send", wanted, block, whole);
  }

  /** As {@link #sendAllowance}, for receiving. */
  long receiveAllowance(Meter meter, int fd, long wanted, boolean block) {
    return allowance(receiveBucket, meter.receive, fd, "receive", wanted, block, false);
  }

  /** {@code bytes} were sent: counted exactly, and taken from the buckets. */
  void sent(Meter meter, long bytes) {
    statistics.sent(bytes);
    take(sendBucket, meter.send, bytes);
  }

  /** {@code bytes} were received. */
  void received(Meter meter, long bytes) {
    statistics.received(bytes);
    take(receiveBucket, meter.receive, bytes);
  }

  private long allowance(
      TokenBucket aggregate,
      TokenBucket own,
      int fd,
      String direction,
      long wanted,
      boolean block,
      boolean whole) {
    if (aggregate == null && own == null) {
      return wanted;
    }
    ThrottleEvent throttle = null; // begun at the first wait: only a throttled call has one
    long allowed = 0;
    try {
      while (true) {
        allowed = wanted;
        long waitNanos = 0;
        for (TokenBucket bucket : new TokenBucket[] {aggregate, own}) {
          if (bucket != null) {
            allowed = Math.min(allowed, bucket.available(wanted));
            waitNanos = Math.max(waitNanos, bucket.nanosUntilAvailable());
          }
        }
        // A datagram goes whole once a byte may go: the bucket then runs into debt for the rest,
        // and later sends wait it off, so the average rate holds.
        if (allowed > 0 && whole) {
          allowed = wanted;
          return allowed;
        }
        if (allowed > 0 || !block) {
          return allowed;
        }
        if (throttle == null) {
          throttle = new ThrottleEvent();
          throttle.begin();
        }
        sleep(Math.max(waitNanos, 1_000));
      }
    } finally {
      if (throttle != null && throttle.shouldCommit()) {
        throttle.fd = fd;
        throttle.direction = direction;
        throttle.bytesWanted = wanted;
        throttle.bytesAllowed = allowed; // 0 when the wait was interrupted
        throttle.guestLimit = limits.bytesPerSecond();
        throttle.socketLimit = limits.socketBytesPerSecond();
        throttle.commit();
      }
    }
  }

  private void sleep(long nanos) {
    long start = nanoClock.getAsLong();
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ErrnoException(Errno.EINTR, "interrupted while throttled");
    } finally {
      statistics.throttled(nanoClock.getAsLong() - start);
    }
  }

  private static void take(TokenBucket aggregate, TokenBucket own, long bytes) {
    if (aggregate != null) {
      aggregate.consume(bytes);
    }
    if (own != null) {
      own.consume(bytes);
    }
  }

  private TokenBucket bucket(long bytesPerSecond) {
    return bytesPerSecond == 0 ? null : new TokenBucket(bytesPerSecond, nanoClock);
  }

  public Transport transport() {
    return transport;
  }

  /**
   * EACCES unless the policy allows {@code use} of {@code address}, judged with the name the guest
   * looked it up by, if it did (the policy logs denials).
   */
  public void check(NetworkUse use, InetSocketAddress address) {
    check(use, address, -1);
  }

  /** {@link #check(NetworkUse, InetSocketAddress)} for the socket at descriptor {@code fd}. */
  void check(NetworkUse use, InetSocketAddress address, int fd) {
    String name = namesOfAddresses.get(address.getAddress());
    Decision decision = policy.decide(use, address, name);
    statistics.decided(use, decision.allowed());
    record(decision, use, fd, address, name);
    if (!decision.allowed()) {
      // "rule: ..." is what a trace of the call shows beside the EACCES.
      throw new ErrnoException(Errno.EACCES, "rule: " + decision.rule());
    }
  }

  /**
   * The decision's event, if a recording wants it: a denial, or any decision under {@code
   * decisions=all}. {@code address} is null for a lookup.
   */
  private static void record(
      Decision decision, NetworkUse use, int fd, InetSocketAddress address, String name) {
    PolicyDecisionEvent event = new PolicyDecisionEvent();
    event.allowed = decision.allowed(); // before shouldCommit: the decisions setting reads it
    if (event.shouldCommit()) {
      event.fd = fd;
      event.use = use.description();
      if (address != null) {
        event.address = IpLiteral.format(address.getAddress());
        event.port = address.getPort();
      }
      event.name = name;
      event.rule = decision.rule();
      event.commit();
    }
  }

  /**
   * Looks {@code host} up for the guest: an IP literal in any spelling ({@code 127.1}, {@code
   * 2130706433}) is its own answer; a name needs the policy's lookup grant (EACCES otherwise) and
   * is resolved once, its addresses remembered with it for later decisions.
   */
  public List<InetAddress> lookup(String host) {
    InetAddress literal = IpLiteral.parseLenient(host);
    if (literal != null) {
      return List.of(literal);
    }
    NameLookupEvent event = new NameLookupEvent();
    event.begin();
    List<InetAddress> addresses = null;
    Errno failure = null;
    try {
      addresses = lookupName(host);
      return addresses;
    } catch (ErrnoException e) {
      failure = e.errno();
      throw e;
    } finally {
      if (event.shouldCommit()) {
        event.name = host;
        if (addresses != null) {
          event.addressCount = addresses.size();
          event.addresses = listed(addresses);
        }
        event.errno = failure == null ? null : failure.name();
        event.commit();
      }
    }
  }

  /** The first {@link NameLookupEvent#LISTED_ADDRESSES} of {@code addresses}, as text. */
  private static String listed(List<InetAddress> addresses) {
    StringBuilder text = new StringBuilder();
    for (InetAddress address :
        addresses.subList(0, Math.min(addresses.size(), NameLookupEvent.LISTED_ADDRESSES))) {
      text.append(text.length() == 0 ? "" : ", ").append(IpLiteral.format(address));
    }
    return text.toString();
  }

  private List<InetAddress> lookupName(String host) {
    Decision decision = policy.decideLookup(host);
    statistics.decided(NetworkUse.LOOKUP, decision.allowed());
    record(decision, NetworkUse.LOOKUP, -1, null, host);
    if (!decision.allowed()) {
      throw new ErrnoException(Errno.EACCES, "rule: " + decision.rule());
    }
    List<InetAddress> addresses;
    try {
      addresses = resolveInTime(host);
    } catch (UnknownHostException e) {
      throw new ErrnoException(Errno.ENOENT, "no address for " + host);
    } catch (IOException e) {
      throw ErrnoException.of(e);
    }
    for (InetAddress address : addresses) {
      namesOfAddresses.put(address, host);
    }
    return addresses;
  }

  /**
   * The transport's answer for {@code host}, within the lookup timeout (ETIMEDOUT past it; EAGAIN
   * when too many lookups have not ended, see {@link TimedLookups}). Without a timeout the guest's
   * own thread waits, as native getaddrinfo does.
   */
  private List<InetAddress> resolveInTime(String host) throws IOException {
    Duration timeout = limits.lookupTimeout();
    if (timeout.isZero()) {
      return transport.resolve(host);
    }
    return timedLookups.resolve(transport::resolve, host, timeout);
  }

  /**
   * Waits until {@code channel} is ready for {@code interest}, or {@code timeoutNanos} pass
   * (negative: no limit); false on timeout. EINTR if the thread is interrupted meanwhile; a wait
   * that fails otherwise (the selector) is the host's problem, not the socket's: EIO.
   */
  boolean awaitReady(TransportChannel channel, int interest, long timeoutNanos) {
    single.clear().add(channel, interest);
    try {
      return transport.await(single, timeoutNanos) > 0;
    } catch (IOException e) {
      throw ErrnoException.of(e);
    } finally {
      single.clear();
    }
  }
}
