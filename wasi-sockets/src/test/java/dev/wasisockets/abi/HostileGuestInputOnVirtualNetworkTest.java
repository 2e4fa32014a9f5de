package dev.wasisockets.abi;

import dev.wasisockets.abi.RawAbiGuest.Network;

/**
 * Every hostile-input test again, with the guest on a virtual network and its peer a Java member
 * there: the virtual transport must give the same answers as the OS's sockets.
 */
class HostileGuestInputOnVirtualNetworkTest extends HostileGuestInputTest {
  @Override
  Network network() {
    return Network.VIRTUAL;
  }
}
