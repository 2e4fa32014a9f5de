package dev.wasisockets.abi;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Frees a direct buffer's memory now, instead of whenever the collector finds the buffer
 * unreachable. Java 17 has no public way to (a memory segment's arena, which fails an access after
 * close instead of reaching freed memory, is final only in Java 22); the JDK's {@code
 * sun.misc.Unsafe.invokeCleaner}, in the {@code jdk.unsupported} module every full JDK has, does
 * it. Without that module the buffer is left to the collector, as before.
 *
 * <p>The JDK does not check that nothing uses the memory afterwards: the caller must know that no
 * view of the buffer is used again (see {@link DirectMemory#grow}).
 */
final class DirectBufferRelease {
  private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

  private DirectBufferRelease() {}

  /** Frees {@code buffer}, a direct buffer that is no view of another, if the JDK lets us. */
  static void free(ByteBuffer buffer) {
    if (INVOKE_CLEANER == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invokeExact(buffer);
    } catch (RuntimeException e) {
      // Not a buffer the JDK frees this way (a view, say): the collector will.
    } catch (Error e) {
      throw e;
    } catch (Throwable e) {
      throw new AssertionError("invokeCleaner declares no checked exception", e);
    }
  }

  private static MethodHandle invokeCleaner() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field instance = unsafeClass.getDeclaredField("theUnsafe");
      instance.setAccessible(true);
      return MethodHandles.lookup()
          .findVirtual(
              unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(instance.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // no jdk.unsupported, or a security manager that says no
    }
  }
}
