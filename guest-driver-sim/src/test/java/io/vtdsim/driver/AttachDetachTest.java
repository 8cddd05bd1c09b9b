package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attach/detach flush sequences with CM on and off (domain_context_mapping_one / domain_context_clear_one in
 * drivers/iommu/intel/iommu.c; a Linux 6.1 guest's trace on QEMU 7.2, docs/linux-6.1-trace.md §2). */
class AttachDetachTest {
  static final SourceId NIC = SourceId.parse("00:03.0");
  static final SourceId DISK = SourceId.parse("00:04.0");

  private static Rig booted(String preset, boolean cm) {
    Rig rig = new Rig(DriverConfig.of(preset), Rig.qemuCap(48).withCm(cm), Rig.qemuEcap());
    rig.driver.boot(List.of(NIC));
    rig.resetRecording();
    return rig;
  }

  @Test
  void vfioTakeoverIn6xIsDetachWithOldDidThenAttachUnderCm() {
    Rig rig = booted("linux-6.1", true);
    rig.driver.attach(NIC, "vfio");
    assertThat(rig.invalidations()).containsExactly(
        "CC device DID=2 SID=00:03.0 FM=0", "IOTLB DSI DID=2",
        "CC device DID=0 SID=00:03.0 FM=0", "IOTLB DSI DID=2");
    // the default domain lost its last device and its DID, which the new domain reuses (lowest free)
    assertThat(rig.driver.domainId("vfio")).isEqualTo(2);
    assertThat(rig.driver.domainId("default:00:03.0")).isZero();
    assertThat(rig.submissions()).allSatisfy(s -> assertThat(s).hasSize(2));
  }

  @Test
  void withoutCmAttachOnlyWritesTheEntryButDetachStillFlushes() {
    Rig rig = booted("linux-6.1", false);
    rig.driver.attach(NIC, "vfio");
    assertThat(rig.invalidations()).containsExactly("CC device DID=2 SID=00:03.0 FM=0", "IOTLB DSI DID=2");
  }

  @Test
  void linux410DetachIsGlobal() {
    Rig rig = booted("linux-4.10", true);
    rig.driver.attach(NIC, "vfio");
    rig.driver.detach(NIC);
    assertThat(rig.invalidations()).containsExactly(
        "CC device DID=0 SID=00:03.0 FM=0", "IOTLB DSI DID=1",
        "CC global", "IOTLB global");
  }

  @Test
  void linux510DetachIsDeviceSelectiveWithTheOldDid() {
    Rig rig = booted("linux-5.10", true);
    rig.driver.detach(NIC);
    assertThat(rig.invalidations()).containsExactly("CC device DID=1 SID=00:03.0 FM=0", "IOTLB DSI DID=1");
  }

  @Test
  void detachClearsTheContextEntryAndAttachProgramsIt() {
    Rig rig = booted("linux-6.12", true);
    long ctx = RootEntry.decode(rig.memory.read64(RootEntry.address(rig.driver.rootTableAddress(), 0)))
        .contextTablePointer();
    long at = ContextEntry.address(ctx, NIC.devfn());
    ContextEntry e = ContextEntry.decode(rig.memory.read64(at), rig.memory.read64(at + 8));
    assertThat(e.present()).isTrue();
    assertThat(e.did()).isEqualTo(2);
    assertThat(e.aw()).isEqualTo(2);
    assertThat(e.slptptr()).isEqualTo(rig.driver.pageTableRoot("default:00:03.0"));
    rig.driver.detach(NIC);
    assertThat(rig.memory.read64(at)).isZero();
    assertThat(rig.memory.read64(at + 8)).isZero();
  }

  @Test
  void devicesOfOneDomainShareTheDidAndFreedDidsAreReused() {
    Rig rig = booted("linux-6.1", true);
    rig.driver.attach(DISK, "shared");
    rig.driver.attach(NIC, "shared");
    assertThat(rig.driver.domainId("shared")).isEqualTo(3);
    rig.driver.attach(SourceId.parse("00:05.0"), "third");
    assertThat(rig.driver.domainId("third")).isEqualTo(2); // default domain's DID 2 was freed
    rig.driver.detach(DISK);
    assertThat(rig.driver.domainId("shared")).isEqualTo(3);
    rig.driver.detach(NIC);
    assertThat(rig.driver.domainId("shared")).isZero();
  }

  @Test
  void misuseIsReported() {
    Rig rig = booted("linux-6.1", true);
    assertThatThrownBy(() -> rig.driver.detach(DISK)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not attached");
    assertThatThrownBy(() -> rig.driver.mapSingle(DISK, 0, 4096, Direction.TO_DEVICE))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> rig.driver.domainId("nope")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> rig.driver.boot(List.of())).isInstanceOf(IllegalStateException.class);
    Rig fresh = new Rig("linux-6.1");
    assertThatThrownBy(() -> fresh.driver.attach(NIC, "x")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("boot");
  }
}
