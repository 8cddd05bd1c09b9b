package io.vtdsim.harness.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import org.junit.jupiter.api.Test;

/**
 * QEMU's nodmar alias messages, in the order the QEMU notes (section 3, the connect flow; section 4,
 * TE enable/disable) observed them for 256 MiB of RAM, accounted as the model's identity map.
 */
class NodmarAliasTest {
  private static final long RAM = 256L << 20;
  private final GuestMemory memory = GuestMemory.flat(RAM);
  private final EventLog log = new EventLog(new Clock());
  private final HostContainer container = new HostContainer("nic", HostSemantics.VFIO_TYPE1, memory, log);
  private final NodmarAlias alias = new NodmarAlias("nic", log);

  /** listener registration (TE off), then the PAM split at machine reset */
  private void connectFlow() {
    alias.map(0x0, 0x0, 0x10000000, true, true);
    alias.map(0xfffc0000L, 0x0, 0x40000, true, false);
    alias.attach(container, memory);
    assertThat(alias.unmap(0x0, 0x10000000)).isTrue();
    alias.map(0x0, 0x0, 0xc0000, true, true);
    alias.map(0xc0000, 0x0, 0x20000, true, false);
    alias.map(0xe0000, 0x0, 0x20000, true, false);
    alias.map(0x100000, 0x100000, 0xff00000, true, true);
  }

  @Test
  void whileTheAliasIsMappedTheContainerHoldsRamOneToOne() {
    connectFlow();
    // the model's identity map of 256 MiB from GPA 0: one aligned chunk, rw (AddressSpace.mapIdentity)
    assertThat(container.mappings()).extracting(HostMapping::iova, HostMapping::size, HostMapping::gpa,
        HostMapping::read, HostMapping::write).containsExactly(tuple(0L, RAM, 0L, true, true));
    assertThat(log.eventsOfKind(QemuMachine.EV_ALIAS)).hasSize(7);
  }

  @Test
  void theTeEnableUnmapsRemoveItAndNothingElseIsTheAliases() {
    connectFlow();
    assertThat(alias.unmap(0x0, 0xc0000)).isTrue();
    assertThat(alias.unmap(0xc0000, 0x20000)).isTrue();
    assertThat(alias.unmap(0xe0000, 0x20000)).isTrue();
    assertThat(alias.unmap(0x100000, 0xff00000)).isTrue();
    assertThat(container.mappings()).hasSize(1); // one alias range (the BIOS ROM) is still there
    assertThat(alias.unmap(0xfffc0000L, 0x40000)).isTrue();
    assertThat(container.mappings()).isEmpty();
    // a whole-space chunk of the IOMMU notifier range is not an alias range
    assertThat(alias.unmap(0x0, 0x80000000L)).isFalse();
    assertThat(alias.unmap(0x0, 0xc0000)).isFalse();
  }

  @Test
  void aTeDisableBringsTheIdentityMapBack() {
    connectFlow();
    for (long[] r : new long[][] {{0x0, 0xc0000}, {0xc0000, 0x20000}, {0xe0000, 0x20000}, {0x100000, 0xff00000},
        {0xfffc0000L, 0x40000}}) {
      alias.unmap(r[0], r[1]);
    }
    container.map(0xa000000, 0x300000, 0x1000, true, true); // a guest mapping while translated
    container.unmap(0xa000000, 0x1000);                      // ... gone with the whole-space unmaps
    alias.map(0x0, 0x0, 0xc0000, true, true);
    assertThat(container.mappings()).extracting(HostMapping::iova, HostMapping::size).containsExactly(tuple(0L, RAM));
  }
}
