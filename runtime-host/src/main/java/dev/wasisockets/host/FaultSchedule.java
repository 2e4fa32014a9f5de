package dev.wasisockets.host;

import dev.wasisockets.transport.virtual.LinkFaults;
import dev.wasisockets.transport.virtual.NetworkFaults;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An up file's faults: its {@code [network]} settings and {@code [[link]]} faults, set before any
 * guest starts ({@link #applyLinks}), and its {@code [[fault]]} tables, each carried out at its
 * time after the start on one daemon thread, with a line on stderr saying what and when.
 */
final class FaultSchedule {
  private final List<UpFile.Fault> faults;
  private final NetworkFaults network;
  private final Map<String, VirtualHost> hosts; // by lower-case name
  private final PrintStream stderr;
  private ScheduledExecutorService timer;

  FaultSchedule(
      List<UpFile.Fault> faults,
      VirtualNetwork network,
      Map<String, VirtualHost> hosts,
      PrintStream stderr) {
    this.faults = faults;
    this.network = network.faults();
    this.hosts = hosts;
    this.stderr = stderr;
  }

  /** The file's seed, connect timeout and link faults, on {@code network}'s hosts. */
  static void applyLinks(UpFile file, VirtualNetwork network, Map<String, VirtualHost> hosts) {
    NetworkFaults faults = network.faults().seed(file.network().seed());
    if (file.network().connectTimeout() != null) {
      faults.connectTimeout(file.network().connectTimeout());
    }
    for (UpFile.Link link : file.links()) {
      VirtualHost from = host(hosts, link.from());
      VirtualHost to = host(hosts, link.to());
      LinkFaults on = link.bothWays() ? faults.between(from, to) : faults.link(from, to);
      on.latency(link.latency())
          .bandwidth(link.bitsPerSecond())
          .loss(link.loss())
          .duplication(link.duplication())
          .reordering(link.reordering());
    }
  }

  /**
   * Starts the clock: each fault happens at its time from now, those at 0 at once (before the
   * guests start, so that no guest's first call races them).
   */
  void start() {
    List<UpFile.Fault> later = faults.stream().filter(f -> !f.at().isZero()).toList();
    faults.stream().filter(f -> f.at().isZero()).forEach(this::carryOut);
    if (later.isEmpty()) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "up faults");
              thread.setDaemon(true);
              return thread;
            });
    for (UpFile.Fault fault : later) {
      timer.schedule(() -> carryOut(fault), fault.at().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** Faults not yet due are not carried out. */
  void stop() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  private void carryOut(UpFile.Fault fault) {
    List<VirtualHost> on = fault.guests().stream().map(name -> host(hosts, name)).toList();
    String what =
        switch (fault.action()) {
          case "partition" -> {
            network.partition(on.get(0), on.get(1));
            yield "partition " + fault.guests().get(0) + " and " + fault.guests().get(1);
          }
          case "heal" -> {
            network.heal(on.get(0), on.get(1));
            yield "heal " + fault.guests().get(0) + " and " + fault.guests().get(1);
          }
          case "blackhole" -> {
            network.blackhole(on.get(0));
            yield "blackhole " + fault.guests().get(0);
          }
          case "reset" -> {
            int count = network.resetConnections(on.get(0));
            yield "reset " + fault.guests().get(0) + "'s " + count + " connection(s)";
          }
          case "heal_all" -> {
            network.healAll();
            yield "heal every partition and blackhole";
          }
          default ->
              throw new IllegalStateException("the file's reader knows no " + fault.action());
        };
    stderr.println("up: at " + fault.at().toMillis() + " ms: " + what);
  }

  private static VirtualHost host(Map<String, VirtualHost> hosts, String name) {
    return hosts.get(name.toLowerCase(Locale.ROOT));
  }
}
