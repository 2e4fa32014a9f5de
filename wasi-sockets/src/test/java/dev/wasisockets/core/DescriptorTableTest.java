package dev.wasisockets.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DescriptorTableTest {

  @Test
  void startsWithChicorysDescriptorsUnderTheirOwnNumbers() {
    DescriptorTable table = new DescriptorTable(4);

    assertThat(table.get(0)).isEqualTo(new WasiDescriptor(0, true));
    assertThat(table.get(1)).isEqualTo(new WasiDescriptor(1));
    assertThat(table.get(3)).isEqualTo(new WasiDescriptor(3));
    assertThat(table.size()).isEqualTo(4);
  }

  @Test
  void newDescriptorsTakeTheLowestFreeNumber() {
    DescriptorTable table = new DescriptorTable(3);
    assertThat(table.add(new WasiDescriptor(10))).isEqualTo(3);
    assertThat(table.add(new WasiDescriptor(11))).isEqualTo(4);

    table.remove(3);

    assertThat(table.add(new WasiDescriptor(12))).isEqualTo(3);
    assertThat(table.add(new WasiDescriptor(13))).isEqualTo(5);
  }

  @Test
  void aPreferredNumberIsUsedOnlyWhenFree() {
    DescriptorTable table = new DescriptorTable(3);

    assertThat(table.add(new WasiDescriptor(40), 40)).isEqualTo(40);
    assertThat(table.add(new WasiDescriptor(41), 40)).isEqualTo(3);
  }

  @Test
  void unknownOrNegativeNumbersAreEbadfAndFilesAreNotSockets() {
    DescriptorTable table = new DescriptorTable(3);

    assertThatThrownBy(() -> table.get(3)).hasFieldOrPropertyWithValue("errno", Errno.EBADF);
    assertThatThrownBy(() -> table.get(-1)).hasFieldOrPropertyWithValue("errno", Errno.EBADF);
    assertThatThrownBy(() -> table.remove(1000)).hasFieldOrPropertyWithValue("errno", Errno.EBADF);
    assertThatThrownBy(() -> table.socket(1)).hasFieldOrPropertyWithValue("errno", Errno.ENOTSOCK);
  }
}
