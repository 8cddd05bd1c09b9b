package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Planted defects in a real HostContainer (vfio type1 semantics) against hand-built guest tables:
 * each is caught with its kind, and the container's own refusals become host-error violations.
 */
class HostContainerOracleTest {
  static final SourceId NIC = SourceId.parse("00:03.0");

  GuestMemory mem;
  TableBuilder tb;
  long slpt;
  EventLog log;
  HostContainer host;
  IntentModel intent;
  MappingOracle oracle;

  @BeforeEach
  void setUp() {
    mem = GuestMemory.flat(256L << 20);
    tb = new TableBuilder(mem, 192L << 20);
    slpt = tb.multiLevelContext(NIC.sid(), 1, 2);
    log = new EventLog(new Clock());
    host = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log);
    intent = new IntentModel();
    oracle = new MappingOracle(mem, new TestMachine(tb.rootTable()), intent, log);
    oracle.addDevice("nic", NIC, HostView.of(host), host.name());
    intent.attach("nic", "d1");
    for (long p = 0; p < 4; p++) {
      intent.map("d1", 0x100000 + p * 0x1000, 0x2000000 + p * 0x1000, 0x1000, true, p != 3);
      tb.map(slpt, 4, 0x100000 + p * 0x1000, 0x2000000 + p * 0x1000, 4096, true, p != 3);
      host.map(0x100000 + p * 0x1000, 0x2000000 + p * 0x1000, 0x1000, true, p != 3);
    }
    assertThat(oracle.check(0, "setup", true)).isEmpty();
  }

  List<Violation.Kind> kinds() {
    return oracle.check(1, "planted", true).stream().map(Violation::kind).toList();
  }

  @Test
  void extraMapping() {
    host.map(0x900000, 0x3000000, 0x1000, true, true);
    assertThat(kinds()).containsExactly(Violation.STALE_MAPPING);
  }

  @Test
  void missingMapping() {
    host.unmap(0x102000, 0x1000);
    assertThat(kinds()).containsExactly(Violation.MISSING_MAPPING);
  }

  @Test
  void wrongTarget() {
    host.unmap(0x101000, 0x1000);
    host.map(0x101000, 0x2800000, 0x1000, true, true);
    assertThat(kinds()).containsExactly(Violation.WRONG_TARGET);
  }

  @Test
  void wrongPermission() {
    host.unmap(0x103000, 0x1000);
    host.map(0x103000, 0x2003000, 0x1000, true, true); // the guest maps it read-only
    assertThat(kinds()).containsExactly(Violation.WRONG_PERMISSION);
  }

  @Test
  void refusedHostCallsAreHostErrors() {
    host.map(0x100000, 0x2000000, 0x1000, true, true); // already mapped: EEXIST
    host.unmap(0x100000, 0x800); // misaligned: EINVAL
    List<Violation> v = oracle.check(1, "planted", true);
    assertThat(v).extracting(Violation::kind).containsExactly(Violation.HOST_ERROR, Violation.HOST_ERROR);
    assertThat(v).extracting(Violation::detail).anySatisfy(d -> assertThat(d).contains("EEXIST"))
        .anySatisfy(d -> assertThat(d).contains("EINVAL"));
  }

  @Test
  void guestTableDefectAgainstTheIntent() {
    // the guest PTE of the second page is cleared without the scenario unmapping it; the host follows
    tb.unmap(slpt, 4, 0x101000, 4096);
    host.unmap(0x101000, 0x1000);
    assertThat(oracle.check(1, "planted", true)).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.MISSING_MAPPING);
      assertThat(v.detail()).contains("intent").contains("guest table has no mapping");
    });
  }

  @Test
  void theReferenceWalkerListsSlotAlignedLeaves() {
    tb.map(slpt, 4, 0x40000000, 0x4000000, 2L << 20, true, false);
    assertThat(oracle.walker().leaves(tb.rootTable(), NIC.sid())).containsExactly(
        new MappedRange(0x100000, 0x2000000, 0x3000, true, true),
        new MappedRange(0x103000, 0x2003000, 0x1000, true, false),
        new MappedRange(0x40000000, 0x4000000, 2L << 20, true, false));
  }
}
