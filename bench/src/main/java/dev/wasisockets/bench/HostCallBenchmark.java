package dev.wasisockets.bench;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.abi.CallTrace;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one {@code sock_send} and one {@code sock_recv} host call, 1 byte and 64 KiB, into
 * and out of guest memory over a connected loopback socket, against the native baseline: the same
 * write or read on a Java {@code SocketChannel}. The peer drains what is sent and keeps the receive
 * side full, so neither call waits.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HostCallBenchmark {
  private static final int IOVEC = 1024;
  private static final int OUT = 1040;
  private static final int DATA = 64 * 1024;

  @Param({"1", "65536"})
  public int size;

  /**
   * {@code on}: the guest's calls traced ({@code --trace}) into a sink that keeps only a count, so
   * the figure is the trace's own cost per call (decoding and formatting), without an output's.
   */
  @Param({"off", "on"})
  public String trace;

  private long tracedLines;

  private ServerSocket peers;
  private WasiSockets sockets;
  private Instance instance;
  private HostFunction send;
  private HostFunction recv;
  private int sendFd;
  private int recvFd;
  private SocketChannel nativeSend;
  private SocketChannel nativeRecv;
  private ByteBuffer nativeBuffer;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    peers = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::servePeers, "host-call-peers");
    acceptor.setDaemon(true);
    acceptor.start();

    WasmModule module = Parser.parse(GuestFixture.BENCH_CLIENT.bytes());
    WasiSockets.Builder builder =
        WasiSockets.builder()
            .withWasiOptions(WasiOptions.builder().build())
            .withPolicy(NetworkPolicy.builder().allowAll().build());
    if (trace.equals("on")) {
      builder.withTrace(CallTrace.to(line -> tracedLines++));
    }
    sockets = builder.build();
    Map<String, HostFunction> functions = new HashMap<>();
    for (HostFunction function : sockets.toHostFunctions(module)) {
      functions.put(function.name(), function);
    }
    instance =
        Instance.builder(module)
            .withImportValues(sockets.toImportValues(module))
            .withMemoryFactory(WasiSockets.memoryFactory())
            .withStart(false)
            .build();
    Memory memory = instance.memory();
    int base = memory.pages() * Memory.PAGE_SIZE;
    memory.grow(3);
    send = functions.get("sock_send");
    recv = functions.get("sock_recv");
    sendFd = connect(functions, base, true);
    recvFd = connect(functions, base, false);
    // The iovec: DATA bytes from base + DATA.
    memory.writeI32(base + IOVEC, base + DATA);
    memory.writeI32(base + IOVEC + 4, size);
    iovec = base + IOVEC;
    out = base + OUT;

    nativeSend = SocketChannel.open(peerAddress());
    nativeSend.write(ByteBuffer.wrap(new byte[] {1}));
    nativeRecv = SocketChannel.open(peerAddress());
    nativeRecv.write(ByteBuffer.wrap(new byte[] {0}));
    nativeBuffer = ByteBuffer.allocate(size);
  }

  private int iovec;
  private int out;

  /** Opens a guest socket, connects it and says which way the peer should pour. */
  private int connect(Map<String, HostFunction> functions, int base, boolean sink) {
    Memory memory = instance.memory();
    functions.get("sock_open").handle().apply(instance, 1, 2, base);
    int fd = memory.readInt(base);
    memory.write(base + 16, InetAddress.getLoopbackAddress().getAddress());
    memory.writeI32(base + 8, base + 16);
    memory.writeI32(base + 12, 4);
    functions.get("sock_connect").handle().apply(instance, fd, base + 8, peers.getLocalPort());
    memory.writeByte(base + 32, (byte) (sink ? 1 : 0));
    memory.writeI32(base + 40, base + 32);
    memory.writeI32(base + 44, 1);
    send.handle().apply(instance, fd, base + 40, 1, 0, base + 48);
    return fd;
  }

  @Benchmark
  public long guestSockSend() {
    return send.handle().apply(instance, sendFd, iovec, 1, 0, out)[0];
  }

  @Benchmark
  public long guestSockRecv() {
    return recv.handle().apply(instance, recvFd, iovec, 1, 2 /* WAITALL */, out, out + 4)[0];
  }

  @Benchmark
  public int nativeWrite() throws IOException {
    nativeBuffer.clear();
    int n = 0;
    while (nativeBuffer.hasRemaining()) {
      n += nativeSend.write(nativeBuffer);
    }
    return n;
  }

  @Benchmark
  public int nativeRead() throws IOException {
    nativeBuffer.clear();
    int n = 0;
    while (nativeBuffer.hasRemaining()) {
      n += nativeRecv.read(nativeBuffer);
    }
    return n;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    nativeSend.close();
    nativeRecv.close();
    sockets.close();
    peers.close();
  }

  private InetSocketAddress peerAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), peers.getLocalPort());
  }

  /** Each connection's first byte says: 1, drain everything; 0, pour bytes until closed. */
  private void servePeers() {
    while (!peers.isClosed()) {
      try {
        Socket socket = peers.accept();
        Thread worker =
            new Thread(
                () -> {
                  byte[] buffer = new byte[64 * 1024];
                  try (socket) {
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    if (in.read() == 1) {
                      while (in.read(buffer) > 0) {
                        // drain
                      }
                    } else {
                      while (true) {
                        out.write(buffer);
                      }
                    }
                  } catch (IOException e) {
                    // closed
                  }
                });
        worker.setDaemon(true);
        worker.start();
      } catch (IOException e) {
        return;
      }
    }
  }
}
