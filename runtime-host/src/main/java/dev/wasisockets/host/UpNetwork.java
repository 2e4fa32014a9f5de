package dev.wasisockets.host;

import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.abi.CallTrace;
import dev.wasisockets.abi.UnsupportedImportException;
import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.transport.virtual.ForwardedPort;
import dev.wasisockets.transport.virtual.PublishedPort;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The guests of an {@link UpFile} on one {@link VirtualNetwork}, each on a thread of its own, with
 * the file's ports published. {@link #prepare} does everything that can fail for a reason the user
 * must fix (a module that is not a guest, a listener that cannot be bound, a real port in use)
 * before any guest starts; {@link #start} then starts them all.
 *
 * <p>The published ports' connections come from a host of the network named {@value #BRIDGE_HOST}
 * (not a DNS label, so no guest can have its name), added after the guests: the guests keep the
 * addresses the file's order gives them (the first guest 10.0.0.1), and a guest sees a real
 * client's connection as coming from this host's address.
 */
final class UpNetwork {
  /** The member the published ports' connections come from. */
  static final String BRIDGE_HOST = "_published";

  private final List<Guest> guests;
  private final List<PublishedPort> published;
  private final List<UpFile.Publish> publishes; // what each of them is, as the file says
  private final List<ForwardedPort> forwarded;
  private final PrintStream stderr;
  private final FaultSchedule faults;

  private UpNetwork(
      List<Guest> guests,
      List<PublishedPort> published,
      List<UpFile.Publish> publishes,
      List<ForwardedPort> forwarded,
      PrintStream stderr,
      FaultSchedule faults) {
    this.guests = guests;
    this.published = published;
    this.forwarded = forwarded;
    this.publishes = publishes;
    this.stderr = stderr;
    this.faults = faults;
  }

  /**
   * Compiles every guest, builds its sockets on its host of a new network (its listeners bound),
   * resolves its imports, and publishes the file's ports; nothing runs yet.
   *
   * @throws UpFileException naming the key whose value cannot be used, everything opened closed
   */
  static UpNetwork prepare(
      UpFile file, GuestCompiler compiler, PrintStream stdout, PrintStream stderr)
      throws UpFileException {
    VirtualNetwork network = VirtualNetwork.create();
    int width = 0;
    for (UpFile.Guest guest : file.guests()) {
      width = Math.max(width, guest.name().length());
    }
    List<Guest> guests = new ArrayList<>();
    List<PublishedPort> published = new ArrayList<>();
    List<ForwardedPort> forwarded = new ArrayList<>();
    Map<String, VirtualHost> hosts = new HashMap<>();
    try {
      for (int i = 0; i < file.guests().size(); i++) {
        UpFile.Guest spec = file.guests().get(i);
        String prefix = String.format("%-" + width + "s | ", spec.name());
        VirtualHost host = network.host(spec.name(), spec.addresses().toArray(new InetAddress[0]));
        hosts.put(spec.name().toLowerCase(Locale.ROOT), host);
        guests.add(Guest.prepare(spec, "guest[" + i + "]", host, compiler, prefix, stdout, stderr));
      }
      Map<String, VirtualHost> outside = new HashMap<>();
      for (int i = 0; i < file.forwards().size(); i++) {
        forwarded.add(forward(file.forwards().get(i), "forward[" + i + "]", network, outside));
      }
      FaultSchedule.applyLinks(file, network, hosts);
      if (!file.publishes().isEmpty()) {
        VirtualHost bridge = network.host(BRIDGE_HOST);
        for (int i = 0; i < file.publishes().size(); i++) {
          published.add(publish(file.publishes().get(i), "publish[" + i + "]", network, bridge));
        }
      }
    } catch (UpFileException | RuntimeException e) {
      published.forEach(PublishedPort::close);
      forwarded.forEach(ForwardedPort::close);
      guests.forEach(Guest::closeUnstarted);
      throw e;
    }
    return new UpNetwork(
        List.copyOf(guests),
        List.copyOf(published),
        file.publishes(),
        List.copyOf(forwarded),
        stderr,
        new FaultSchedule(file.faults(), network, hosts, stderr));
  }

  /** A forward's host (made at its first forward, after the guests) and its forwarded port. */
  private static ForwardedPort forward(
      UpFile.Forward spec, String key, VirtualNetwork network, Map<String, VirtualHost> outside)
      throws UpFileException {
    VirtualHost host =
        outside.computeIfAbsent(
            spec.name().toLowerCase(Locale.ROOT), n -> network.host(spec.name()));
    try {
      return host.forward(spec.port(), spec.to(), spec.maxConnections());
    } catch (IOException e) {
      throw new UpFileException(key + ".port: " + e.getMessage());
    }
  }

  private static PublishedPort publish(
      UpFile.Publish spec, String key, VirtualNetwork network, VirtualHost bridge)
      throws UpFileException {
    InetAddress target;
    try {
      target = network.resolve(spec.to()).get(0); // the guest's first address
    } catch (UnknownHostException e) {
      throw new AssertionError("the file's reader checked that the guest exists", e);
    }
    try {
      return bridge.publish(
          spec.from(), new InetSocketAddress(target, spec.toPort()), spec.maxConnections());
    } catch (IOException e) {
      throw new UpFileException(key + ".from: " + e.getMessage());
    }
  }

  /** Starts every guest, each on its own thread, after saying where each port is published. */
  void start() {
    for (int i = 0; i < published.size(); i++) {
      PublishedPort port = published.get(i);
      UpFile.Publish spec = publishes.get(i);
      stderr.println(
          "up: publishing "
              + IpLiteral.format(port.address())
              + " -> "
              + spec.to()
              + ":"
              + spec.toPort()
              + " ("
              + IpLiteral.format(port.target())
              + ")");
    }
    for (ForwardedPort port : forwarded) {
      stderr.println(
          "up: forwarding "
              + port.host().name()
              + ":"
              + port.address().getPort()
              + " ("
              + IpLiteral.format(
                  new InetSocketAddress(port.host().addresses().get(0), port.address().getPort()))
              + ") -> "
              + IpLiteral.format(port.outside()));
    }
    faults.start();
    guests.forEach(Guest::start);
  }

  /**
   * Waits until every guest has exited, then closes the published ports: the worst exit code (the
   * highest; 0 when every guest exited with 0).
   */
  int awaitExit() throws InterruptedException {
    int worst = 0;
    for (Guest guest : guests) {
      worst = Math.max(worst, guest.join());
    }
    faults.stop();
    published.forEach(PublishedPort::close);
    forwarded.forEach(ForwardedPort::close);
    return worst;
  }

  /**
   * Ctrl-C (SIGINT) or SIGTERM: closes the published ports, stops every guest (its thread is
   * interrupted, which ends its waits with EINTR and Chicory's run of it), and waits a little for
   * each to end and to write out its last line.
   */
  void stop() {
    stderr.println("up: stopping every guest");
    faults.stop();
    published.forEach(PublishedPort::close);
    forwarded.forEach(ForwardedPort::close);
    guests.forEach(Guest::interrupt);
    for (Guest guest : guests) {
      guest.awaitEnd(5_000);
    }
    stderr.flush();
  }

  /** One guest: its sockets, its output streams, and the thread it runs on. */
  private static final class Guest {
    private final WasiSockets sockets;
    private final IntSupplier run;
    private final PrintStream messages; // the launcher's lines about the guest, on its stderr
    private final List<AutoCloseable> outputs; // closed, last lines written, when it ends
    private final Thread thread;
    // A guest whose run ends other than by returning (a host bug) counts as trapped.
    private volatile int exitCode = Launcher.EXIT_TRAP;

    private Guest(
        String name,
        WasiSockets sockets,
        IntSupplier run,
        PrintStream messages,
        List<AutoCloseable> outputs) {
      this.sockets = sockets;
      this.run = run;
      this.messages = messages;
      this.outputs = outputs;
      this.thread = new Thread(this::runToEnd, "up guest " + name);
      this.thread.setDaemon(true);
    }

    static Guest prepare(
        UpFile.Guest spec,
        String key,
        VirtualHost host,
        GuestCompiler compiler,
        String prefix,
        PrintStream stdout,
        PrintStream stderr)
        throws UpFileException {
      CompiledGuest compiled;
      PrefixedLines out = new PrefixedLines(stdout, prefix);
      PrefixedLines err = new PrefixedLines(stderr, prefix);
      PrintStream messages = new PrintStream(err, true, StandardCharsets.UTF_8);
      List<AutoCloseable> outputs = new ArrayList<>(List.of(out, err));
      GuestRunner runner;
      try {
        compiled = GuestFile.compile(spec.wasm(), compiler);
        runner = GuestRunner.forCommand(spec.wasm(), compiled, messages);
      } catch (IllegalArgumentException e) {
        throw new UpFileException(key + ".wasm: " + e.getMessage());
      }
      WasiSockets.Builder builder =
          WasiSockets.builder()
              .withWasiOptions(wasiOptions(spec, out, err))
              .withPolicy(spec.policy())
              .withDialect(spec.abi())
              .withTransport(host.newTransport());
      CallTrace trace = trace(spec, key, stderr, prefix, outputs);
      if (trace != null) {
        builder.withTrace(trace);
      }
      spec.listen().forEach(builder::withTcpListener);
      WasiSockets sockets;
      try {
        sockets = builder.build();
      } catch (IllegalStateException e) {
        closeAll(outputs);
        List<String> addresses = spec.listen().stream().map(IpLiteral::format).toList();
        throw new UpFileException(key + ".listen: " + e.getMessage() + " (of " + addresses + ")");
      }
      try {
        return new Guest(spec.name(), sockets, runner.prepare(sockets), messages, outputs);
      } catch (UnsupportedImportException e) {
        sockets.close();
        closeAll(outputs);
        throw new UpFileException(key + ".wasm: " + e.getMessage());
      }
    }

    private static WasiOptions wasiOptions(
        UpFile.Guest spec, PrefixedLines out, PrefixedLines err) {
      List<String> argv = new ArrayList<>();
      argv.add(spec.wasm().getFileName().toString());
      argv.addAll(spec.args());
      WasiOptions.Builder options =
          WasiOptions.builder()
              .withArguments(argv)
              .withStdin(InputStream.nullInputStream()) // the guests share no terminal
              .withStdout(out)
              .withStderr(err);
      spec.env().forEach(options::withEnvironment);
      for (DirectoryPreopen dir : spec.dirs()) {
        options.withDirectory(dir.guestDir(), dir.hostDir());
      }
      return options.build();
    }

    /** The guest's trace: to its own prefixed lines on stderr, to a file, or none. */
    private static CallTrace trace(
        UpFile.Guest spec,
        String key,
        PrintStream stderr,
        String prefix,
        List<AutoCloseable> outputs)
        throws UpFileException {
      if (spec.trace() == null) {
        return null;
      }
      PrintStream lines;
      if (spec.trace().equals(UpFile.TRACE_TO_STDERR)) {
        // Lines of their own, so that a trace line never lands inside a half-written guest line.
        PrefixedLines traceLines = new PrefixedLines(stderr, prefix);
        outputs.add(traceLines);
        lines = new PrintStream(traceLines, true, StandardCharsets.UTF_8);
      } else {
        try {
          lines = new PrintStream(new FileOutputStream(spec.trace()), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
          closeAll(outputs);
          throw new UpFileException(key + ".trace: cannot write it: " + e.getMessage());
        }
        outputs.add(lines);
      }
      PrintStream target = lines;
      return CallTrace.to(target::println);
    }

    void start() {
      thread.start();
    }

    private void runToEnd() {
      try {
        exitCode = run.getAsInt();
      } catch (RuntimeException e) {
        // Not the guest's doing (the runner turns traps into exit codes): a host bug.
        messages.println("wasi-sockets: internal error: " + e);
      } finally {
        sockets.close();
        closeAll(outputs);
      }
    }

    int join() throws InterruptedException {
      thread.join();
      return exitCode;
    }

    void interrupt() {
      thread.interrupt();
    }

    void awaitEnd(long millis) {
      try {
        thread.join(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** A guest that never started (another could not be prepared): its sockets and files. */
    void closeUnstarted() {
      sockets.close();
      closeAll(outputs);
    }

    private static void closeAll(List<AutoCloseable> outputs) {
      for (AutoCloseable output : outputs) {
        try {
          output.close();
        } catch (Exception e) {
          // An output that cannot be closed has nothing more to say.
        }
      }
    }
  }
}
