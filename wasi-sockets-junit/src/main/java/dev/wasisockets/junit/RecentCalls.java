package dev.wasisockets.junit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The guest's last socket calls as {@code CallTrace} lines, kept in memory for a failure message:
 * at most {@link #capacity} lines, the oldest going first, with a count of those gone.
 */
final class RecentCalls implements Consumer<String> {
  private final int capacity;
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  private long forgotten;

  RecentCalls(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("keep at least one call, not " + capacity);
    }
    this.capacity = capacity;
  }

  @Override
  public synchronized void accept(String line) {
    if (lines.size() == capacity) {
      lines.removeFirst();
      forgotten++;
    }
    lines.addLast(line);
  }

  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  synchronized long forgotten() {
    return forgotten;
  }
}
