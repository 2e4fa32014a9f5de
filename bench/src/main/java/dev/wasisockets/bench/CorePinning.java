package dev.wasisockets.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the server rows run their processes: the server on one core, its load (the load generator
 * JVM, wrk) on another, with {@code taskset}, so that neither takes the other's CPU and the
 * server's CPU per operation is its own. The server gets the last core this process may use, the
 * load the first. Without taskset or with one core, nothing is pinned.
 */
final class CorePinning {
  private final String serverCore;
  private final String loadCore;

  private CorePinning(String serverCore, String loadCore) {
    this.serverCore = serverCore;
    this.loadCore = loadCore;
  }

  /** The cores this process may use (its {@code Cpus_allowed_list}), if taskset is there. */
  static CorePinning detect() {
    List<Integer> cores = allowedCores();
    if (cores.size() < 2 || !onPath("taskset")) {
      return new CorePinning(null, null);
    }
    return new CorePinning(cores.get(cores.size() - 1).toString(), cores.get(0).toString());
  }

  /** {@code command}, pinned to the server's core. */
  List<String> server(List<String> command) {
    return pinned(serverCore, command);
  }

  /** {@code command}, pinned to the load's core. */
  List<String> load(List<String> command) {
    return pinned(loadCore, command);
  }

  /** One line for the output's header. */
  String describe() {
    return serverCore == null
        ? "server and load not pinned (no taskset, or one core)"
        : "server on CPU "
            + serverCore
            + ", load generator and wrk on CPU "
            + loadCore
            + " (taskset)";
  }

  private static List<String> pinned(String core, List<String> command) {
    if (core == null) {
      return command;
    }
    List<String> pinned = new ArrayList<>(List.of("taskset", "-c", core));
    pinned.addAll(command);
    return pinned;
  }

  private static List<Integer> allowedCores() {
    List<Integer> cores = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          // "0-3,6,8-9"
          for (String range : line.substring(line.indexOf(':') + 1).trim().split(",")) {
            String[] ends = range.split("-");
            int first = Integer.parseInt(ends[0]);
            int last = Integer.parseInt(ends[ends.length - 1]);
            for (int core = first; core <= last; core++) {
              cores.add(core);
            }
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: nothing to pin to
    }
    return cores;
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
