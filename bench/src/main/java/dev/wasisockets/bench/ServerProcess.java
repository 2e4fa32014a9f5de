package dev.wasisockets.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server row's server or a relay row's hop, started in a process of its own: a JVM ({@link
 * GuestServer}, {@link RelayServer}, {@link JavaEchoServer}) or a native binary. Learns its port
 * from the "listening on PORT" line it prints, keeps its last lines of output to show if it fails,
 * and is stopped on close if it has not ended.
 */
final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on (\\d+)");
  private static final int KEPT_LINES = 40;

  private final String name;
  private final Process process;
  private final Deque<String> lastLines = new ArrayDeque<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();

  private ServerProcess(String name, List<String> command) throws IOException {
    this.name = name;
    this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    Thread reader = new Thread(this::readOutput, "output of " + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command}, which prints "listening on PORT" once it accepts connections. */
  static ServerProcess start(String name, List<String> command) throws IOException {
    return new ServerProcess(name, command);
  }

  long pid() {
    return process.pid();
  }

  /** The port it listens on, once it said so (within {@code seconds}). */
  int port(int seconds) throws Exception {
    try {
      return port.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw failure("did not say it was listening within " + seconds + " s");
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  double cpuSeconds() {
    return ProcessAccounting.cpuSeconds(pid());
  }

  long peakRssKib() {
    return ProcessAccounting.peakRssKib(pid());
  }

  /** Waits for the server to end by itself (it served its connections) with status 0. */
  void awaitExit(int seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw failure("did not end within " + seconds + " s");
    }
    if (process.exitValue() != 0) {
      throw failure("ended with status " + process.exitValue());
    }
  }

  /** An exception naming the server, with its last lines of output. */
  IllegalStateException failure(String what) {
    synchronized (lastLines) {
      return new IllegalStateException(
          name + " " + what + "; its last output:\n" + String.join("\n", lastLines));
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private void readOutput() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        Matcher listening = LISTENING.matcher(line);
        if (!port.isDone() && listening.find()) {
          port.complete(Integer.parseInt(listening.group(1)));
        }
        synchronized (lastLines) {
          lastLines.addLast(line);
          if (lastLines.size() > KEPT_LINES) {
            lastLines.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    port.completeExceptionally(failure("ended before it said it was listening"));
  }
}
