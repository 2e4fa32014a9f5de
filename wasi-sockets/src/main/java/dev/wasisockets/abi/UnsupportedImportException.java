package dev.wasisockets.abi;

import java.util.List;

/**
 * The guest imports something this host does not provide (or provides with another type), or has a
 * shared memory, which it cannot give threads. Thrown before instantiation, naming every such
 * problem, so a user learns all of them at once instead of one per attempt.
 */
public final class UnsupportedImportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public UnsupportedImportException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** One line per unsupported import, e.g. "guest imports env.f (i32) -> i32, which ...". */
  public List<String> problems() {
    return problems;
  }
}
