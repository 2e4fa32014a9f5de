package dev.wasisockets.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The gateway's rows: the same compiled guest through one relay hop two ways, the direct transport
 * then a {@link PlainRelay} (the ceiling), and the wasmnet transport then our gateway, each hop in
 * a JVM of its own; ratio of the gateway to the plain relay in the same run, CPU per operation of
 * the hop's process (and the part its JIT compiler threads took) and of the guest's JVM, the hop's
 * peak RSS.
 */
final class RelayBenchmarks {
  /** One piece of work, as in {@code NetworkBenchmarks}: name, unit, full and quick amounts. */
  private record Work(String name, String unit, String op, long full, long quick, String what) {}

  private static final List<Work> WORK =
      List.of(
          new Work("pingpong", "round trips/s", "round trip", 50_000, 5_000, "64-byte exchange"),
          new Work("bulk-send", "MB/s", "MB", 1L << 30, 128L << 20, "guest sends 64 KiB writes"),
          new Work("bulk-recv", "MB/s", "MB", 1L << 30, 128L << 20, "guest receives"),
          new Work("churn", "connections/s", "connection", 5_000, 1_000, "connect, 1 exchange"));

  private RelayBenchmarks() {}

  static List<String> rows(boolean quick) throws IOException, InterruptedException {
    List<String> rows = new ArrayList<>();
    for (Work work : WORK) {
      long amount = quick ? work.quick() : work.full();
      double ceiling = 0;
      for (String hop : List.of("plain", "gateway")) {
        String[] result = ChildJvm.result(RelayScenario.class, work.name(), hop, "" + amount);
        double figure = Double.parseDouble(result[0]);
        if (hop.equals("plain")) {
          ceiling = figure;
        }
        rows.add(
            String.format(
                Locale.ROOT,
                "| relay hop: %s (%s, %s) | %s | %,.0f %s; CPU per %s: hop %.1f µs (JIT %.1f),"
                    + " guest JVM %.1f µs (JIT %.1f) | %.2f of the plain relay | %d MiB (hop) |",
                work.name(),
                work.what(),
                work.unit().equals("MB/s") ? (amount >> 20) + " MiB" : String.format("%,d", amount),
                hop.equals("plain") ? "direct → plain Java relay" : "wasmnet → gateway (serve)",
                figure,
                work.unit(),
                work.op(),
                Double.parseDouble(result[1]) * 1e6,
                Double.parseDouble(result[4]) * 1e6,
                Double.parseDouble(result[2]) * 1e6,
                Double.parseDouble(result[5]) * 1e6,
                figure / ceiling,
                Long.parseLong(result[3]) / 1024));
        System.err.println(rows.get(rows.size() - 1));
      }
    }
    return rows;
  }

  /** Only these rows: {@code RelayBenchmarks [--quick]}. */
  public static void main(String[] args) throws Exception {
    rows(List.of(args).contains("--quick")).forEach(System.out::println);
  }
}
