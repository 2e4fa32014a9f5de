package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.SocketContext;
import java.time.Clock;

/**
 * {@code poll_oneoff}, level-triggered, over sockets, files and clocks ({@link SubscriptionWait}).
 * Replaces Chicory's, which knows nothing of our sockets.
 */
@HostModule("wasi_snapshot_preview1")
public final class Preview1Poll {
  private final SubscriptionWait wait;

  Preview1Poll(SocketContext context, Clock realtime, StdinReadiness stdin) {
    this.wait = new SubscriptionWait(context, realtime, stdin, false);
  }

  /** {@code poll_oneoff(in, out, nsubscriptions, *nevents) -> errno} */
  @WasmExport
  public int pollOneoff(Memory memory, int in, int out, int nsubscriptions, int neventsPtr) {
    return wait.poll(memory, in, out, nsubscriptions, neventsPtr);
  }
}
