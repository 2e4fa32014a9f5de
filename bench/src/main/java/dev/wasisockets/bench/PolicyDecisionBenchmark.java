package dev.wasisockets.bench;

import dev.wasisockets.policy.AddressClass;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one policy decision with 100 rules (deny classes, then CIDR blocks, domains and
 * single addresses with ports): an address the last allow rule covers, the worst case for an
 * allowed connect. The native baseline for comparison is {@link #baselineAddressBytes}: reading the
 * address bytes the decision starts from.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyDecisionBenchmark {
  private NetworkPolicy policy;
  private InetSocketAddress lastRuleTarget;
  private InetSocketAddress deniedTarget;

  @Setup
  public void setUp() throws UnknownHostException {
    NetworkPolicy.Builder builder = NetworkPolicy.builder();
    for (AddressClass inward : AddressClass.values()) {
      builder.deny(NetworkUse.TCP_CONNECT, inward.ruleName());
    }
    int rules = AddressClass.values().length;
    for (int i = 0; rules < 99; i++, rules++) {
      String rule =
          switch (i % 3) {
            case 0 -> "203.0." + (i % 256) + ".0/24:443";
            case 1 -> "service" + i + ".example.com:443";
            default -> "[2001:db8:" + Integer.toHexString(i) + "::]/48";
          };
      builder.allow(NetworkUse.TCP_CONNECT, rule);
    }
    builder.allow(NetworkUse.TCP_CONNECT, "8.8.4.7:8443"); // the 100th rule
    policy = builder.build();
    lastRuleTarget = new InetSocketAddress(InetAddress.getByName("8.8.4.7"), 8443);
    deniedTarget = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 443);
    java.util.logging.Logger.getLogger(NetworkPolicy.class.getName())
        .setLevel(java.util.logging.Level.OFF);
  }

  @Benchmark
  public boolean decideAllowedByTheLastOf100Rules() {
    return policy.decide(NetworkUse.TCP_CONNECT, lastRuleTarget).allowed();
  }

  @Benchmark
  public boolean decideDeniedByAClassRule() {
    return policy.decide(NetworkUse.TCP_CONNECT, deniedTarget).allowed();
  }

  @Benchmark
  public byte[] baselineAddressBytes() {
    return lastRuleTarget.getAddress().getAddress();
  }
}
