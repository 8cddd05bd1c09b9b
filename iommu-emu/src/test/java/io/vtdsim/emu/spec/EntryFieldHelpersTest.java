package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The small field helpers callers use instead of spelling VT-d bits (spec 3.4.2, 9.1, 9.3, 11.4.14). */
class EntryFieldHelpersTest {
  @Test
  void rootAndContextPresentAreBit0OfTheLowQuadword() {
    assertThat(RootEntry.present(0x1234_5001L)).isTrue();
    assertThat(RootEntry.present(0x1234_5000L)).isFalse();
    assertThat(RootEntry.present(new RootEntry(true, 0x8000).lo())).isTrue();
    assertThat(ContextEntry.present(0x9000L | 1)).isTrue();
    assertThat(ContextEntry.present(0x9000L | 2)).isFalse(); // FPD alone is not P
    assertThat(ContextEntry.present(
        new ContextEntry(true, false, TranslationType.MULTI_LEVEL, 0x9000, 2, 7).lo())).isTrue();
  }

  @Test
  void sourceIdSplitsIntoBusAndDevfn() {
    int sid = new SourceId(0x3A, 0x1F, 5).sid(); // 3a:1f.5
    assertThat(SourceId.bus(sid)).isEqualTo(0x3A);
    assertThat(SourceId.devfn(sid)).isEqualTo((0x1F << 3) | 5);
    assertThat(SourceId.bus(0xFFFF)).isEqualTo(0xFF);
    assertThat(SourceId.devfn(0x0100)).isZero();
    // lspci's bb:dd.f, lower-case hex, two digits for bus and device
    assertThat(new SourceId(0x3A, 0x1F, 5)).hasToString("3a:1f.5");
    assertThat(new SourceId(0, 3, 0)).hasToString("00:03.0");
    assertThat(new SourceId(0xFF, 0x1F, 7)).hasToString("ff:1f.7");
  }

  @Test
  void faultRecordFDwordIsTheTopDwordOfTheRecord() {
    // spec 11.4.14: F is bit 127 of the 128-bit record, i.e. bit 31 of the dword at byte offset 12
    assertThat(FaultRecord.F_DWORD_OFFSET * 8 + 31).isEqualTo(127);
    assertThat(FaultRecord.HI_OFFSET * 8 + 63).isEqualTo(127);
    assertThat(FaultRecord.F_IN_DWORD).isEqualTo(0x8000_0000);
  }
}
