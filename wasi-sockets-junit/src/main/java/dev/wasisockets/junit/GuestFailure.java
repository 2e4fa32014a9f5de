package dev.wasisockets.junit;

/**
 * A failed test's failure with the guest's report added to its message: the original failure is the
 * cause, with its own stack trace.
 */
public final class GuestFailure extends AssertionError {
  GuestFailure(Throwable failure, String report) {
    super(failure + "\n\n" + report, failure);
  }
}
