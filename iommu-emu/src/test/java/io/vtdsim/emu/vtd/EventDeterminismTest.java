package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Same guest actions, same event log — down to the attribute order (ARCHITECTURE.md principle 3: deterministic). */
class EventDeterminismTest {
  private static List<String> run() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.w32(Registers.FECTL, 0);
    bed.w64(Registers.RTADDR, 0x5000);
    bed.command(GlobalCommand.SRTP, true);
    bed.w64(Registers.CCMD, new io.vtdsim.emu.spec.ContextCommand(true, 1, 0, 0, 0, 0).encode());
    bed.enableQueue(0x10_0000, 0);
    bed.submit(ContextCacheInvalidation.device(1, 0x100, 0), IotlbInvalidation.page(1, 0x3000, 0, false, false, false),
        InvalidationWait.statusWrite(2, 0x8000));
    bed.putRaw(0, 0);
    bed.writeTail();
    bed.unit.recordFault(0x100, 0x9000, FaultReason.PAGING_ENTRY_RESERVED, true);
    bed.command(GlobalCommand.TE, true);
    return bed.log.events().stream().map(EventDeterminismTest::render).toList();
  }

  private static String render(Event e) {
    return e.seq() + " " + e.timeNanos() + " " + e.kind() + " " + e.source() + " " + e.detail() + " " + e.attrs();
  }

  @Test
  void twoRunsGiveTheSameLog() {
    List<String> first = run();
    assertThat(first).hasSizeGreaterThan(20);
    assertThat(run()).containsExactlyElementsOf(first);
  }
}
