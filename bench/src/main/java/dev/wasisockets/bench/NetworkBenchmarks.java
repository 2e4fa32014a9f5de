package dev.wasisockets.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every network benchmark, each in its own JVM, as native Java, as a guest in each of
 * Chicory's modes and as a compiled guest through the wasmnet gateway, and prints one markdown
 * table: work, mode, figure, ratio to native (same run), peak RSS. {@code --quick} runs smaller
 * amounts of work.
 */
public final class NetworkBenchmarks {
  private static final List<String> MODES = List.of("native", "compiler", "interpreter", "wasmnet");

  /** One piece of work: its name, what its figure counts, how much in full and quick runs. */
  private record Work(String name, String unit, long full, long quick, String description) {}

  private static final List<Work> WORK =
      List.of(
          new Work("pingpong", "round trips/s", 50_000, 5_000, "64-byte request and reply"),
          new Work("bulk-send", "MB/s", 1L << 30, 128L << 20, "guest sends, 64 KiB writes"),
          new Work("bulk-recv", "MB/s", 1L << 30, 128L << 20, "guest receives, 64 KiB reads"),
          new Work("churn", "connections/s", 5_000, 1_000, "connect, one exchange, close"));

  private NetworkBenchmarks() {}

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    List<String> rows = new ArrayList<>();
    rows.add("| work | mode | figure | ratio to native | peak RSS |");
    rows.add("|---|---|---|---|---|");
    for (Work work : WORK) {
      long amount = quick ? work.quick() : work.full();
      double nativeFigure = 0;
      double compilerFigure = 0;
      double nativeCpu = 0;
      for (String mode : MODES) {
        String[] result = measure(work.name(), mode, amount);
        double figure = Double.parseDouble(result[0]);
        double cpu = Double.parseDouble(result[2]); // client and peer: both are in its JVM
        if (mode.equals("native")) {
          nativeFigure = figure;
          nativeCpu = cpu;
        } else if (mode.equals("compiler")) {
          compilerFigure = figure;
        }
        // Through the gateway, the ratio that matters is also the one to the direct transport.
        String ratio =
            String.format(Locale.ROOT, "%.2f", figure / nativeFigure)
                + (mode.equals("wasmnet")
                    ? String.format(Locale.ROOT, " (%.2f of compiler)", figure / compilerFigure)
                    : "")
                + (mode.equals("native")
                    ? ""
                    : " (CPU per op " + ServerBenchmarks.ratio(cpu / nativeCpu) + "×)");
        rows.add(
            String.format(
                Locale.ROOT,
                "| %s (%s, %s) | %s | %,.0f %s; %s | %s | %d MiB |",
                work.name(),
                work.description(),
                amountText(work, amount),
                mode,
                figure,
                work.unit(),
                cpuText(work.unit(), cpu, amount),
                ratio,
                Long.parseLong(result[1]) / 1024));
        System.err.println(rows.get(rows.size() - 1));
      }
    }
    rows.addAll(RelayBenchmarks.rows(quick));
    rows.addAll(ManyConnections.rows(quick));
    rows.addAll(VirtualNetworkBenchmarks.rows(quick));
    rows.addAll(ServerBenchmarks.rows(quick ? "quick" : "full"));
    System.out.println(ServerBenchmarks.header() + "\n");
    System.out.println(String.join("\n", rows));
  }

  /**
   * CPU per operation: per MB moved, per round trip, per connection, as {@code unit} (the figure's
   * unit: MB/s..., round trips/s, connections/s) says.
   */
  static String cpuText(String unit, double cpuSeconds, long amount) {
    if (unit.startsWith("MB")) {
      return String.format(Locale.ROOT, "%.2f ms CPU per MB", cpuSeconds * 1e3 / (amount / 1e6));
    }
    String per = unit.startsWith("round") ? "round trip" : "connection";
    return String.format(Locale.ROOT, "%.1f µs CPU per %s", cpuSeconds * 1e6 / amount, per);
  }

  private static String amountText(Work work, long amount) {
    return work.unit().equals("MB/s") ? (amount >> 20) + " MiB" : String.format("%,d", amount);
  }

  /** Runs one scenario in a fresh JVM; returns its figure and peak RSS in KiB. */
  static String[] measure(String work, String mode, long amount)
      throws IOException, InterruptedException {
    return ChildJvm.result(Scenario.class, work, mode, Long.toString(amount));
  }
}
