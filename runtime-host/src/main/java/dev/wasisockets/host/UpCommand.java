package dev.wasisockets.host;

import dev.wasisockets.compile.GuestCompiler;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code up FILE.toml}: several guests on one virtual network, as the file describes them, until
 * every guest has exited or Ctrl-C stops them all.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Runs the guests FILE.toml describes, each on its own host of one",
      "virtual network, and publishes their ports on real loopback ports",
      "if it says so. Each line a guest prints is prefixed with its name.",
      "See docs/virtual-network.md. Exit code: the worst guest's (the",
      "highest); 2 for a bad file; 130 after Ctrl-C."
    })
final class UpCommand implements Callable<Integer> {
  @Mixin private CacheOptions cacheOptions;

  @Option(
      names = "--interpreter",
      description =
          "Run the guests in Chicory's interpreter instead of compiling them to bytecode.")
  private boolean interpreter;

  @Parameters(index = "0", paramLabel = "FILE.toml", description = "The guests and their network.")
  private Path file;

  private PrintStream stdout = System.out;
  private PrintStream stderr = System.err;

  void setStreams(PrintStream stdout, PrintStream stderr) {
    this.stdout = stdout;
    this.stderr = stderr;
  }

  @Override
  public Integer call() throws InterruptedException {
    GuestCompiler compiler;
    try {
      compiler =
          cacheOptions.compiler(
              interpreter ? GuestCompiler.Mode.INTERPRETER : GuestCompiler.Mode.COMPILER);
    } catch (IllegalArgumentException e) {
      stderr.println("up: " + e.getMessage()); // --no-cache with --cache-dir
      return Launcher.EXIT_USAGE;
    }
    UpNetwork network;
    try {
      network = UpNetwork.prepare(UpFile.read(file), compiler, stdout, stderr);
    } catch (UpFileException e) {
      stderr.println("up: " + e.getMessage());
      return Launcher.EXIT_USAGE;
    }
    // Ctrl-C and SIGTERM: every guest stopped and every port closed before the JVM exits (with
    // 130 or 143, the JVM's own codes for those signals, as a shell expects).
    Thread hook = new Thread(network::stop, "wasi-sockets-up-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      network.start();
      return network.awaitExit();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down: the hook is stopping everything.
      }
      stdout.flush();
    }
  }
}
