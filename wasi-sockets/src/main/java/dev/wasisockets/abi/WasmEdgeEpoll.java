package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.SocketContext;
import java.time.Clock;

/**
 * WasmEdge's {@code epoll_oneoff}: {@code poll_oneoff}'s ABI with edge-triggered socket readiness
 * (imported by wasmedge_wasi_socket's {@code epoll} feature, for mio). See {@link
 * SubscriptionWait}.
 */
@HostModule("wasi_snapshot_preview1")
public final class WasmEdgeEpoll {
  private final SubscriptionWait wait;

  WasmEdgeEpoll(SocketContext context, Clock realtime, StdinReadiness stdin) {
    this.wait = new SubscriptionWait(context, realtime, stdin, true);
  }

  /** {@code epoll_oneoff(in, out, nsubscriptions, *nevents) -> errno} */
  @WasmExport
  public int epollOneoff(Memory memory, int in, int out, int nsubscriptions, int neventsPtr) {
    return wait.poll(memory, in, out, nsubscriptions, neventsPtr);
  }
}
