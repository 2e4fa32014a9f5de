package dev.wasisockets.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The virtual network against loopback, in the same run: the C benchmark client guest and the C
 * WasmEdge echo server guest (both compiled, both in one JVM) over the direct transport on
 * 127.0.0.1, then over one {@link dev.wasisockets.transport.virtual.VirtualNetwork}; and a Java
 * client against the same server guest, through a {@code SocketChannel} on loopback, then as a
 * network member. Each measurement runs in a JVM of its own ({@link TwoGuestScenario}); the ratio
 * is the virtual figure over the loopback one, with the ratio of CPU per operation beside it. Then
 * the host heap of idle virtual connections ({@link IdleVirtualConnections}).
 */
public final class VirtualNetworkBenchmarks {
  /** One piece of work: its name, what its figure counts, how much in full and quick runs. */
  private record Work(String name, String unit, long full, long quick, String description) {}

  private static final List<Work> WORK =
      List.of(
          new Work("pingpong", "round trips/s", 200_000, 5_000, "guest to guest, 64 bytes"),
          new Work(
              "echo", "MB/s each way", 1L << 30, 128L << 20, "guest to guest, 64 KiB out and back"),
          new Work(
              "churn", "connections/s", 5_000, 1_000, "guest to guest, connect, 64 bytes, close"),
          new Work(
              "java-pingpong", "round trips/s", 200_000, 5_000, "Java client to guest, 64 bytes"),
          new Work(
              "java-echo",
              "MB/s each way",
              1L << 30,
              128L << 20,
              "Java client to guest, 64 KiB out and back"));

  private VirtualNetworkBenchmarks() {}

  /** These rows alone ({@code bench/run.sh --virtual}); {@code --quick}: the smaller amounts. */
  public static void main(String[] args) throws Exception {
    List<String> rows = new ArrayList<>();
    rows.add("| work | mode | figure | ratio to loopback | peak RSS |");
    rows.add("|---|---|---|---|---|");
    rows.addAll(rows(List.of(args).contains("--quick")));
    System.out.println(String.join("\n", rows));
  }

  static List<String> rows(boolean quick) throws IOException, InterruptedException {
    List<String> rows = new ArrayList<>();
    for (Work work : WORK) {
      for (String spin : List.of("0", "50")) {
        rows(work, quick ? work.quick() : work.full(), spin, rows);
      }
    }
    idleRow(quick, rows);
    return rows;
  }

  /** The loopback and virtual rows of {@code work}, both guests' transports spinning alike. */
  private static void rows(Work work, long amount, String spin, List<String> rows)
      throws IOException, InterruptedException {
    String[] loopback =
        ChildJvm.result(TwoGuestScenario.class, work.name(), "direct", "" + amount, spin);
    String[] virtual =
        ChildJvm.result(TwoGuestScenario.class, work.name(), "virtual", "" + amount, spin);
    double loopbackFigure = Double.parseDouble(loopback[0]);
    double loopbackCpu = Double.parseDouble(loopback[2]);
    for (String[] result : List.of(loopback, virtual)) {
      boolean isVirtual = result == virtual;
      double figure = Double.parseDouble(result[0]);
      double cpu = Double.parseDouble(result[2]);
      boolean bulk = work.unit().startsWith("MB");
      rows.add(
          String.format(
              Locale.ROOT,
              "| virtual network: %s (%s, %s) | %s | %,.0f %s%s; %s | %s | %d MiB |",
              work.name(),
              work.description(),
              bulk ? (amount >> 20) + " MiB" : String.format(Locale.ROOT, "%,d", amount),
              (isVirtual ? "virtual" : "loopback (direct)")
                  + (spin.equals("0") ? "" : ", spin " + spin + " us"),
              figure,
              work.unit(),
              bulk
                  ? String.format(Locale.ROOT, " (%.1f Gbit/s both ways)", figure * 16 / 1000)
                  : "",
              NetworkBenchmarks.cpuText(work.unit(), cpu, amount),
              isVirtual
                  ? String.format(Locale.ROOT, "%.2f of loopback", figure / loopbackFigure)
                      + " (CPU per op "
                      + ServerBenchmarks.ratio(cpu / loopbackCpu)
                      + "×)"
                  : "1.00",
              Long.parseLong(result[1]) / 1024));
      System.err.println(rows.get(rows.size() - 1));
    }
  }

  private static void idleRow(boolean quick, List<String> rows)
      throws IOException, InterruptedException {
    int idle = quick ? 1_000 : 10_000;
    String[] heap = ChildJvm.result(IdleVirtualConnections.class, "" + idle);
    rows.add(
        String.format(
            Locale.ROOT,
            "| virtual network: %,d idle connections (a Java member's, held by the poll echo"
                + " server guest) | virtual | %,d B of host heap per connection, everything"
                + " counted | | %d MiB |",
            idle,
            Long.parseLong(heap[0]),
            Long.parseLong(heap[1]) / 1024));
    System.err.println(rows.get(rows.size() - 1));
  }
}
