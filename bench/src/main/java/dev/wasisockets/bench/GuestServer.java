package dev.wasisockets.bench;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.CompileCache;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest fixture serving in a JVM of its own, as {@code wasi-sockets run} would run it: {@code
 * GuestServer VARIANT FIXTURE [--preopen] ARGS...}. With {@code --preopen} the host opens a
 * listener on 127.0.0.1 (a free port) at fd 3 and prints "listening on PORT" before the guest
 * starts; a guest that listens itself prints that line on its own. The guest's stdout and stderr
 * are this process's. The guest may bind 127.0.0.1, nothing else. Exits with the guest's status.
 *
 * <p>A compiled guest comes from the compile cache in {@code -Dbench.compileCache=DIR} (default:
 * the user's, as for {@code run}), or is compiled into it.
 */
public final class GuestServer {
  static final String COMPILE_CACHE = "bench.compileCache";

  private GuestServer() {}

  /** The compile cache's directory. */
  static Path compileCache() {
    String directory = System.getProperty(COMPILE_CACHE);
    return directory != null ? Path.of(directory) : CompileCache.inUserCacheDirectory().directory();
  }

  public static void main(String[] args) {
    GuestVariant variant = GuestVariant.named(args[0]);
    GuestFixture fixture = GuestFixture.valueOf(args[1]);
    boolean preopen = args.length > 2 && args[2].equals("--preopen");
    List<String> argv = new ArrayList<>();
    argv.add(fixture.name().toLowerCase(java.util.Locale.ROOT));
    argv.addAll(List.of(args).subList(preopen ? 3 : 2, args.length));

    CompiledGuest guest =
        GuestCompiler.builder()
            .withMode(variant.mode())
            .withCache(CompileCache.in(compileCache()))
            .build()
            .compile(fixture.bytes());

    WasiSockets.Builder builder =
        WasiSockets.builder()
            .withWasiOptions(
                WasiOptions.builder()
                    .withArguments(argv)
                    .withStdout(System.out)
                    .withStderr(System.err)
                    .build())
            .withPolicy(NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1").build());
    if (preopen) {
      builder.withTcpListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }
    variant.sockets().accept(builder);
    int exit = 0;
    try (WasiSockets sockets = builder.build()) {
      Instance instance = guest.instanceBuilder(sockets).build();
      if (preopen) {
        // Listening already: connections wait in the backlog until the guest accepts them.
        System.out.println(
            "listening on " + sockets.preopenedSockets().get(0).localAddress().getPort());
        System.out.flush();
      }
      instance.export("_start").apply();
    } catch (WasiExitException e) {
      exit = e.exitCode();
    }
    System.out.flush();
    System.exit(exit);
  }
}
