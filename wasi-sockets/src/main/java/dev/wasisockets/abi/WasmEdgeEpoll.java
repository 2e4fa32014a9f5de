package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Poller;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.core.StdinReadiness;
import java.time.Clock;

/**
 * WasmEdge's {@code epoll_oneoff}: {@code poll_oneoff}'s ABI with edge-triggered socket readiness
 * (imported by wasmedge_wasi_socket's {@code epoll} feature, for mio). See {@link Poller}.
 */
@HostModule("wasi_snapshot_preview1")
public final class WasmEdgeEpoll {
  private final PollSubscriptions subscriptions;

  WasmEdgeEpoll(SocketContext context, Clock realtime, StdinReadiness stdin) {
    this.subscriptions = new PollSubscriptions(new Poller(context, realtime, stdin, true));
  }

  /** {@code epoll_oneoff(in, out, nsubscriptions, *nevents) -> errno} */
  @WasmExport
  public int epollOneoff(Memory memory, int in, int out, int nsubscriptions, int neventsPtr) {
    return subscriptions.poll(memory, in, out, nsubscriptions, neventsPtr);
  }
}
