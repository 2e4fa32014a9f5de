package dev.wasisockets;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * A Flight Recorder recording of the library's events while a test runs, read back from the file it
 * was dumped to, as {@code jfr print} or JDK Mission Control would read it.
 */
public final class GuestEventRecording implements AutoCloseable {
  static final String PREFIX = "dev.wasisockets.";
  static final List<String> EVENTS =
      Stream.of(
              "SocketConnect",
              "SocketAccept",
              "SocketClose",
              "SocketSend",
              "SocketReceive",
              "PolicyDecision",
              "NameLookup",
              "Throttle")
          .map(name -> PREFIX + name)
          .toList();

  private final Recording recording;

  private GuestEventRecording(Recording recording) {
    this.recording = recording;
    recording.start();
  }

  /** Every event, however short, and every policy decision ({@code decisions=all}). */
  public static GuestEventRecording ofEverything() {
    return ofEveryEventWithDecisions("all");
  }

  /** Every event however short, but policy decisions as the event's default says (denials). */
  public static GuestEventRecording ofEveryEventAndTheDefaultDecisions() {
    return ofEveryEventWithDecisions(null);
  }

  /**
   * JDK's "default" settings, as {@code -XX:StartFlightRecording} uses: the library's events are
   * not in it, so their own annotations decide (enabled, thresholds, the decisions setting).
   */
  public static GuestEventRecording withDefaultSettings() throws IOException, ParseException {
    return new GuestEventRecording(new Recording(Configuration.getConfiguration("default")));
  }

  private static GuestEventRecording ofEveryEventWithDecisions(String decisions) {
    Recording recording = new Recording();
    for (String name : EVENTS) {
      var settings = recording.enable(name).withThreshold(Duration.ZERO);
      if (decisions != null && name.endsWith("PolicyDecision")) {
        settings.with("decisions", decisions);
      }
    }
    return new GuestEventRecording(recording);
  }

  /**
   * Stops the recording, dumps it into {@code dir} and reads the library's events back, those
   * committed on {@code thread} only (a guest runs on one thread; other tests' guests may linger).
   * A guest on a thread of its own must have ended: its result comes before the host closes the
   * sockets it left open, so the thread is waited for (10 s at most) to have their events too.
   */
  public List<RecordedEvent> eventsOf(Thread thread, Path dir)
      throws IOException, InterruptedException {
    return eventsOf(List.of(thread), dir);
  }

  /** As {@link #eventsOf(Thread, Path)}, for the guests on any of {@code threads}. */
  public List<RecordedEvent> eventsOf(List<Thread> threads, Path dir)
      throws IOException, InterruptedException {
    for (Thread thread : threads) {
      if (thread != Thread.currentThread()) {
        thread.join(10_000);
      }
    }
    List<Long> ids = threads.stream().map(Thread::getId).toList();
    recording.stop();
    Path file = dir.resolve("guest.jfr");
    recording.dump(file);
    return RecordingFile.readAllEvents(file).stream()
        .filter(event -> event.getEventType().getName().startsWith(PREFIX))
        .filter(
            event -> event.getThread() != null && ids.contains(event.getThread().getJavaThreadId()))
        .collect(Collectors.toList());
  }

  @Override
  public void close() {
    recording.close();
  }
}
