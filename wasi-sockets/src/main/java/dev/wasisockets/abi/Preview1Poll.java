package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Poller;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.core.StdinReadiness;
import java.time.Clock;

/**
 * {@code poll_oneoff}, level-triggered, over sockets, files and clocks ({@link Poller}). Replaces
 * Chicory's, which knows nothing of our sockets.
 */
@HostModule("wasi_snapshot_preview1")
public final class Preview1Poll {
  private final PollSubscriptions subscriptions;

  Preview1Poll(SocketContext context, Clock realtime, StdinReadiness stdin) {
    this.subscriptions = new PollSubscriptions(new Poller(context, realtime, stdin, false));
  }

  /** {@code poll_oneoff(in, out, nsubscriptions, *nevents) -> errno} */
  @WasmExport
  public int pollOneoff(Memory memory, int in, int out, int nsubscriptions, int neventsPtr) {
    return subscriptions.poll(memory, in, out, nsubscriptions, neventsPtr);
  }
}
