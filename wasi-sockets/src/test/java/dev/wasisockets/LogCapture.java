package dev.wasisockets;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Collects the formatted log lines of one logger while open (System.Logger goes to JUL). */
public final class LogCapture extends Handler implements AutoCloseable {
  private final Logger logger;
  private final List<String> lines = new ArrayList<>();
  private final List<Throwable> thrown = new ArrayList<>();
  private final SimpleFormatter formatter = new SimpleFormatter();

  public LogCapture(String loggerName) {
    logger = Logger.getLogger(loggerName);
    logger.addHandler(this);
  }

  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  /** The exceptions logged with the lines, in order (lines logged without one are left out). */
  public synchronized List<Throwable> thrown() {
    return List.copyOf(thrown);
  }

  @Override
  public synchronized void publish(LogRecord record) {
    lines.add(formatter.formatMessage(record));
    if (record.getThrown() != null) {
      thrown.add(record.getThrown());
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
