package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.wasisockets.core.DescriptorTable;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;

/**
 * Puts a {@link CallTrace} around the host functions it names: each call of one becomes one line,
 * written when the call returns (its arguments decoded by {@link TracedCalls}, then its result).
 * Sits inside the wrapper that turns an {@link ErrnoException} into the guest's errno, so it sees
 * the exception's reason (the policy rule of an EACCES); what it does not trace it leaves as it is.
 */
final class CallTracer {
  private final CallTrace trace;
  private final DescriptorTable descriptors;
  private final long start = System.nanoTime();

  CallTracer(CallTrace trace, DescriptorTable descriptors) {
    this.trace = trace;
    this.descriptors = descriptors;
  }

  /** {@code function} traced if the trace names it, else {@code function} itself. */
  HostFunction wrap(HostFunction function, Dialect dialect) {
    String name = function.name();
    if (!trace.traces(name)) {
      return function;
    }
    TracedCalls calls = new TracedCalls(name, dialect, trace.dataBytes());
    WasmFunctionHandle handle = function.handle();
    boolean onDescriptor = name.startsWith("fd_");
    return new HostFunction(
        function.module(),
        name,
        function.functionType(),
        (instance, args) -> {
          if (onDescriptor && !isSocket((int) args[0])) {
            return handle.apply(instance, args); // files and stdio are not traced
          }
          Memory memory = instance.memory();
          try {
            long[] result = handle.apply(instance, args);
            write(calls, memory, args, result == null ? 0 : (int) result[0], null);
            return result;
          } catch (ErrnoException e) {
            write(calls, memory, args, e.errno().code(), e);
            throw e;
          } catch (RuntimeException e) {
            if (!(e instanceof ChicoryException)) {
              write(calls, memory, args, Errno.EIO.code(), null); // a bug of ours: EIO
            }
            throw e;
          }
        });
  }

  private boolean isSocket(int fd) {
    try {
      return descriptors.get(fd) instanceof GuestSocket;
    } catch (ErrnoException e) {
      return false;
    }
  }

  /**
   * Writes the call's line. A call's answer never depends on its trace: should decoding fail in a
   * way {@link TracedCalls} did not foresee, the line says so and the call keeps its result.
   */
  private void write(
      TracedCalls calls, Memory memory, long[] args, int errno, ErrnoException failure) {
    String call;
    try {
      call = calls.line(memory, args, errno, failure);
    } catch (RuntimeException e) {
      call = calls.undecoded(args, errno, e);
    }
    long micros = (System.nanoTime() - start) / 1_000;
    String fraction = Long.toString(1_000_000 + micros % 1_000_000).substring(1); // 6 digits
    trace.write(micros / 1_000_000 + "." + fraction + " " + call);
  }
}
