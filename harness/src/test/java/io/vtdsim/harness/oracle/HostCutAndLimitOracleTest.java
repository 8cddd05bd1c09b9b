package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostResult.Errno;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.harness.report.OutcomeTag;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An unmap that would cut a host mapping in two, and the host's mapping limits, as they reach the
 * oracle: the kernel refuses the cut (vfio type1 v2: EINVAL, a host error; iommufd's
 * iopt_unmap_iova_range: ENOENT, which QEMU's iommufd_backend_unmap_dma treats as success), so the
 * mapping stays and the comparison with the guest tables reports it as stale under both.
 */
class HostCutAndLimitOracleTest {
  static final SourceId NIC = SourceId.parse("00:03.0");
  static final long M2 = 2L << 20;

  final GuestMemory mem = GuestMemory.flat(256L << 20);
  final TableBuilder tb = new TableBuilder(mem, 192L << 20);
  final long slpt = tb.multiLevelContext(NIC.sid(), 1, 2);
  final EventLog log = new EventLog(new Clock());
  final IntentModel intent = new IntentModel();

  private MappingOracle oracle(HostContainer host) {
    MappingOracle oracle = new MappingOracle(mem, new TestMachine(tb.rootTable()), intent, log);
    oracle.addDevice("nic", NIC, HostView.of(host), host.name());
    intent.attach("nic", "d1");
    return oracle;
  }

  /** The guest maps 2 MiB as one superpage (one 2 MiB host mapping), then remaps its first 4 KiB elsewhere. */
  private List<Violation> splitTheSuperpageAndCutTheHostMapping(HostSemantics semantics, Errno expected) {
    HostContainer host = new HostContainer("nic", semantics, mem, log);
    MappingOracle oracle = oracle(host);
    tb.map(slpt, 4, 0x20_0000, 0x400_0000, M2, true, true);
    intent.map("d1", 0x20_0000, 0x400_0000, M2, true, true);
    host.map(0x20_0000, 0x400_0000, M2, true, true);
    assertThat(oracle.check(0, "map", true)).isEmpty();
    // the guest drops the superpage and maps only its first page again; the VMM unmaps the rest by pages
    tb.unmap(slpt, 4, 0x20_0000, M2);
    tb.map(slpt, 4, 0x20_0000, 0x400_0000, 0x1000, true, true);
    intent.unmap("d1", 0x20_0000 + 0x1000, M2 - 0x1000);
    assertThat(host.unmap(0x20_1000, M2 - 0x1000).errno()).isEqualTo(expected);
    assertThat(host.mappings()).hasSize(1);
    return oracle.check(1, "cut", true);
  }

  @Test
  void iommufdSwallowsTheCutsEnoentAndTheMappingIsStale() {
    List<Violation> found = splitTheSuperpageAndCutTheHostMapping(HostSemantics.IOMMUFD, Errno.ENOENT);
    assertThat(found).extracting(Violation::kind).contains(Violation.STALE_MAPPING)
        .doesNotContain(Violation.HOST_ERROR);
  }

  @Test
  void type1RefusesTheCutWithEinvalAHostErrorAndTheMappingIsStale() {
    List<Violation> found = splitTheSuperpageAndCutTheHostMapping(HostSemantics.VFIO_TYPE1, Errno.EINVAL);
    assertThat(found).extracting(Violation::kind).contains(Violation.STALE_MAPPING, Violation.HOST_ERROR);
  }

  @Test
  void aFullContainerIsAHostErrorTaggedEnospcAndTheMappingIsMissing() {
    HostContainer host = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log, 2);
    MappingOracle oracle = oracle(host);
    for (long p = 0; p < 3; p++) {
      tb.map(slpt, 4, 0x10_0000 + p * 0x1000, 0x200_0000 + p * 0x1000, 0x1000, true, true);
      intent.map("d1", 0x10_0000 + p * 0x1000, 0x200_0000 + p * 0x1000, 0x1000, true, true);
      host.map(0x10_0000 + p * 0x1000, 0x200_0000 + p * 0x1000, 0x1000, true, true);
    }
    List<Violation> found = oracle.check(0, "map", true);
    assertThat(found).extracting(Violation::kind).contains(Violation.MISSING_MAPPING, Violation.HOST_ERROR);
    assertThat(OutcomeTag.of(found)).isEqualTo("MISSING+ENOSPC");
  }

  @Test
  void iommufdOverItsPinnedPageLimitIsTaggedEnomem() {
    HostContainer host = new HostContainer("nic", HostSemantics.IOMMUFD, mem, log, 1);
    MappingOracle oracle = oracle(host);
    tb.map(slpt, 4, 0x10_0000, 0x200_0000, 0x1000, true, true);
    tb.map(slpt, 4, 0x10_1000, 0x200_1000, 0x1000, true, true);
    intent.map("d1", 0x10_0000, 0x200_0000, 0x2000, true, true);
    assertThat(host.map(0x10_0000, 0x200_0000, 0x2000, true, true).errno()).isEqualTo(Errno.ENOMEM);
    assertThat(OutcomeTag.of(oracle.check(0, "map", true))).isEqualTo("MISSING+ENOMEM");
  }
}
