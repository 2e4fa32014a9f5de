package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.LogCapture;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every socket import, thousands of times, with arguments a hostile or broken guest could pass:
 * pointers at and past the end of memory, negative and huge lengths, unknown and non-socket
 * descriptors, sockets in every state, over memory full of noise that now and then grows, on each
 * kind of guest memory. Each call must return an errno; no Java exception may escape into Chicory,
 * and none may be a bug of ours turned into EIO. A call that blocks (as a guest may ask) is
 * interrupted after a while, which ends it with EINTR or Chicory's interruption.
 */
class RandomizedImportsTest {
  private static final int CALLS = 4000;
  private static final int[] EDGE_VALUES = {
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    16,
    28,
    128,
    4096,
    PAGE - 64,
    PAGE - 8,
    PAGE - 4,
    PAGE - 1,
    PAGE,
    PAGE + 1,
    -1,
    Integer.MIN_VALUE,
    Integer.MAX_VALUE
  };

  @ParameterizedTest(name = "seed {0}, {1} memory")
  @CsvSource({"1, DIRECT", "2, DIRECT", "3, DIRECT", "1, CHICORY", "2, CHICORY", "3, CHICORY"})
  void everyImportAnswersEveryArgumentWithAnErrno(long seed, MemoryKind memory) throws Exception {
    runAgainst(RawAbiGuest.DEFAULT_IMPORTS, RawAbiGuest.MODULE, seed, memory, null);
  }

  @ParameterizedTest(name = "seed {0}, {1} memory")
  @CsvSource({"4, DIRECT", "5, DIRECT", "4, CHICORY", "5, CHICORY"})
  void theV1FormsToo(long seed, MemoryKind memory) throws Exception {
    List<String> imports = RawAbiGuest.WASMEDGE_V1_IMPORTS;
    runAgainst(imports, RawAbiGuest.passThrough(imports), seed, memory, null);
  }

  /**
   * The same calls with the guest on a virtual network (its peer a Java member there): the virtual
   * transport answers hostile arguments with an errno in range too, and no bug of ours is logged.
   */
  @ParameterizedTest(name = "seed {0}, {1} memory, virtual network")
  @CsvSource({"1, DIRECT", "2, CHICORY", "8, DIRECT"})
  void onTheVirtualNetworkToo(long seed, MemoryKind memory) throws Exception {
    runAgainst(
        RawAbiGuest.DEFAULT_IMPORTS, RawAbiGuest.MODULE, seed, memory, null, Network.VIRTUAL);
    List<String> imports = RawAbiGuest.WASMEDGE_V1_IMPORTS;
    runAgainst(imports, RawAbiGuest.passThrough(imports), seed, memory, null, Network.VIRTUAL);
  }

  /** Traced, with data: decoding hostile arguments for the trace changes no answer either. */
  @ParameterizedTest(name = "seed {0}, {1} memory, traced")
  @CsvSource({"6, DIRECT", "7, CHICORY"})
  void tracedToo(long seed, MemoryKind memory) throws Exception {
    AtomicInteger traced = new AtomicInteger();
    List<String> undecoded = new ArrayList<>();
    CallTrace trace =
        CallTrace.to(
                line -> {
                  traced.incrementAndGet();
                  if (line.contains("cannot decode")) {
                    undecoded.add(line);
                  }
                })
            .showingData(64);
    runAgainst(RawAbiGuest.DEFAULT_IMPORTS, RawAbiGuest.MODULE, seed, memory, trace);
    runAgainst(
        RawAbiGuest.WASMEDGE_V1_IMPORTS,
        RawAbiGuest.passThrough(RawAbiGuest.WASMEDGE_V1_IMPORTS),
        seed,
        memory,
        trace);
    assertThat(traced.get()).isGreaterThan(CALLS);
    assertThat(undecoded).as("lines the trace could not decode").isEmpty();
  }

  private static void runAgainst(
      List<String> imports, WasmModule module, long seed, MemoryKind memory, CallTrace trace)
      throws Exception {
    runAgainst(imports, module, seed, memory, trace, Network.DIRECT);
  }

  private static void runAgainst(
      List<String> imports,
      WasmModule module,
      long seed,
      MemoryKind memory,
      CallTrace trace,
      Network network)
      throws Exception {
    Random random = new Random(seed);
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    // A bug of ours no longer escapes (it is EIO and a logged line): the log is where it shows.
    try (LogCapture bugs = new LogCapture("dev.wasisockets.abi.Preview1Imports");
        RawAbiGuest guest =
            new RawAbiGuest(true, module, NetworkPolicy.builder(), memory, trace, network)) {
      // Sockets in several states: a listener (fd 3), unconnected, connected, closed.
      int unconnected = guest.openSocket();
      int connected = guest.openSocket();
      Peer peer = guest.connectPeer(connected);
      int closed = guest.openSocket();
      guest.call("fd_close", closed);
      int[] descriptors = {-1, 0, 1, 2, 3, unconnected, connected, closed, 99, 1 << 20};
      byte[] noise = new byte[PAGE];
      Thread testThread = Thread.currentThread();

      for (int call = 0; call < CALLS; call++) {
        if (call % 200 == 0) {
          random.nextBytes(noise);
          guest.memory().write(0, noise);
        }
        if (call % 1000 == 999) {
          guest.memory().grow(1); // a direct memory may move: views made before must not be used
        }
        String[] entry = imports.get(random.nextInt(imports.size())).split(":");
        long[] args = new long[Integer.parseInt(entry[1])];
        for (int i = 0; i < args.length; i++) {
          args[i] =
              i == 0 && random.nextInt(4) > 0
                  ? descriptors[random.nextInt(descriptors.length)]
                  : argument(random);
        }
        ScheduledFuture<?> interrupt =
            watchdog.schedule(testThread::interrupt, 300, TimeUnit.MILLISECONDS);
        int result;
        try {
          result = guest.call(entry[0], args);
        } catch (ChicoryInterruptedException e) {
          result = -1; // it blocked, as asked, until the watchdog ended it
        } catch (RuntimeException e) {
          throw new AssertionError(
              "seed " + seed + ", call " + call + ": " + entry[0] + Arrays.toString(args), e);
        } finally {
          interrupt.cancel(false);
          Thread.interrupted(); // clear a late interrupt
        }
        if (result != -1) {
          assertThat(result)
              .as("seed %d, call %d: %s%s", seed, call, entry[0], Arrays.toString(args))
              .isBetween(0, 87);
        }
      }
      peer.close();
      assertThat(bugs.lines()).as("seed %d", seed).noneMatch(line -> line.contains("a bug"));
    } catch (IOException e) {
      throw new AssertionError(e);
    } finally {
      watchdog.shutdownNow();
    }
  }

  private static long argument(Random random) {
    return switch (random.nextInt(3)) {
      case 0 -> EDGE_VALUES[random.nextInt(EDGE_VALUES.length)];
      case 1 -> random.nextInt(PAGE);
      default -> random.nextInt();
    };
  }
}
