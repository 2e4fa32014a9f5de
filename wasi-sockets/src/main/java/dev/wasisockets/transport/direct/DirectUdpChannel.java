package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.UdpChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** A UDP socket on the OS, always in non-blocking mode. */
final class DirectUdpChannel extends DirectChannel<DatagramChannel> implements UdpChannel {

  DirectUdpChannel(DatagramChannel channel, DirectTransport transport) {
    super(channel, transport);
  }

  @Override
  public void bind(InetSocketAddress local) throws IOException {
    channel.bind(local);
  }

  @Override
  public void connect(InetSocketAddress remote) throws IOException {
    if (channel.isConnected()) {
      channel.disconnect(); // NIO will not connect a connected channel again; POSIX does
    }
    channel.connect(remote);
  }

  @Override
  public InetSocketAddress remoteAddress() throws IOException {
    return (InetSocketAddress) channel.getRemoteAddress();
  }

  @Override
  public InetSocketAddress receive(ByteBuffer dst) throws IOException {
    return (InetSocketAddress) channel.receive(dst);
  }

  @Override
  public int send(ByteBuffer src, InetSocketAddress target) throws IOException {
    return channel.isConnected() && target.equals(channel.getRemoteAddress())
        ? channel.write(src)
        : channel.send(src, target);
  }

  @Override
  int selectionOps(int interest) {
    return readWriteOps(interest);
  }
}
