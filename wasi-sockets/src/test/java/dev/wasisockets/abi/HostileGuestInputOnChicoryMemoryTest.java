package dev.wasisockets.abi;

import dev.wasisockets.abi.RawAbiGuest.MemoryKind;

/** Every hostile-input test again, on Chicory's default memory, where sockets copy. */
class HostileGuestInputOnChicoryMemoryTest extends HostileGuestInputTest {
  @Override
  MemoryKind memory() {
    return MemoryKind.CHICORY;
  }
}
