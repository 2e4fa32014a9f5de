package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.SocketContext;
import java.net.InetSocketAddress;

/**
 * The WasmEdge extension's datagram calls: {@code sock_send_to} and {@code sock_recv_from} (V1 and
 * V2, told apart by their Wasm signatures).
 *
 * <p>V2 {@code recv_from}'s port: WasmEdge writes the raw network-order u16, but the guests that
 * import it (wasmedge_wasi_socket, dispatchrun/net) read a host-order u32, as wasi-go writes it. We
 * write what the guests read (abi.md §4.6).
 */
@HostModule("wasi_snapshot_preview1")
public final class WasmEdgeDatagrams {
  private final SocketContext context;
  private final SocketStreamIo io;

  WasmEdgeDatagrams(SocketContext context, SocketStreamIo io) {
    this.context = context;
    this.io = io;
  }

  /**
   * {@code sock_send_to(fd, si_data, si_data_len, *address, port, si_flags, *so_datalen) -> errno}:
   * one datagram to the address, if the policy allows it.
   */
  @WasmExport
  public int sockSendTo(
      Memory memory,
      int fd,
      int siData,
      int siDataLen,
      int addressPtr,
      int port,
      int siFlags,
      int soDataLenPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(soDataLenPtr, 4);
    if (siFlags != 0) {
      throw new ErrnoException(Errno.ENOTSUP, "siflags must be 0, got " + siFlags);
    }
    InetSocketAddress target = WasmEdgeAddress.read(guest, addressPtr, port);
    guest.writeI32(soDataLenPtr, io.sendTo(guest, context.udp(fd), siData, siDataLen, target));
    return Errno.SUCCESS.code();
  }

  /**
   * V1 {@code sock_recv_from(fd, ri_data, ri_data_len, *address, ri_flags, *ro_datalen, *ro_flags)
   * -> errno}: the sender's raw address goes into a 4- or 16-byte buffer; no port.
   */
  @WasmExport("sock_recv_from")
  public int sockRecvFromV1(
      Memory memory,
      int fd,
      int riData,
      int riDataLen,
      int addressPtr,
      int riFlags,
      int roDataLenPtr,
      int roFlagsPtr) {
    GuestMemory guest = new GuestMemory(memory);
    WasmEdgeAddress.bufferLength(guest, addressPtr, 4, 16);
    receive(guest, fd, riData, riDataLen, riFlags, roDataLenPtr, roFlagsPtr);
    WasmEdgeAddress.write(guest, addressPtr, io.source().getAddress());
    return Errno.SUCCESS.code();
  }

  /**
   * V2 {@code sock_recv_from(fd, ri_data, ri_data_len, *address, ri_flags, *port, *ro_datalen,
   * *ro_flags) -> errno}: a 128-byte tagged buffer for the sender, its port as a host-order u32.
   */
  @WasmExport("sock_recv_from")
  public int sockRecvFromV2(
      Memory memory,
      int fd,
      int riData,
      int riDataLen,
      int addressPtr,
      int riFlags,
      int portPtr,
      int roDataLenPtr,
      int roFlagsPtr) {
    GuestMemory guest = new GuestMemory(memory);
    WasmEdgeAddress.bufferLength(guest, addressPtr, 4, 16, WasmEdgeAddress.TAGGED_LENGTH);
    guest.check(portPtr, 4);
    receive(guest, fd, riData, riDataLen, riFlags, roDataLenPtr, roFlagsPtr);
    InetSocketAddress source = io.source();
    WasmEdgeAddress.write(guest, addressPtr, source.getAddress());
    guest.writeI32(portPtr, source.getPort());
    return Errno.SUCCESS.code();
  }

  private void receive(
      GuestMemory guest,
      int fd,
      int riData,
      int riDataLen,
      int riFlags,
      int roDataLenPtr,
      int roFlagsPtr) {
    io.receiveInto(guest, context.udp(fd), riData, riDataLen, riFlags, roDataLenPtr, roFlagsPtr);
  }
}
