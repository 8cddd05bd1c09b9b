package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Root/context/PTE layouts (VT-d spec 9.1, 9.3, 9.8) and the trace's context entry. */
class EntryCodecTest {
  @Test
  void contextEntryAsQemuCachedItForVirtioBlk() {
    // a Linux 6.1 guest's trace on QEMU 7.2 (docs/linux-6.1-trace.md §2): hi=0x302 with aw48 (AW=2, DID=3), hi=0x301 with aw39; lo = SLPTPTR|1
    ContextEntry ce = new ContextEntry(true, false, TranslationType.MULTI_LEVEL, 0x2bf3000L, 2, 3);
    assertThat(ce.hi()).isEqualTo(0x302L);
    assertThat(ce.lo()).isEqualTo(0x2bf3001L);
    assertThat(new ContextEntry(true, false, TranslationType.MULTI_LEVEL, 0x1000, 1, 3).hi()).isEqualTo(0x301L);
    assertThat(ContextEntry.decode(ce.lo(), ce.hi())).isEqualTo(ce);
    assertThat(ce.levels()).isEqualTo(4);
  }

  @Test
  void contextEntryReservedBits() {
    assertThat(ContextEntry.reservedBitsSet(0x1001L, 0x302L, 48)).isFalse();
    assertThat(ContextEntry.reservedBitsSet(0x1001L | 1 << 4, 0x302L, 48)).isTrue();  // lo 11:4
    assertThat(ContextEntry.reservedBitsSet(0x1001L | 1L << 48, 0x302L, 48)).isTrue(); // above HAW
    assertThat(ContextEntry.reservedBitsSet(0x1001L, 0x302L | 1L << 24, 48)).isTrue(); // hi 63:24
    assertThat(ContextEntry.reservedBitsSet(0x1001L, 0x302L | 1L << 3, 48)).isFalse(); // bit 3 ignored
  }

  @Test
  void rootEntry() {
    RootEntry r = new RootEntry(true, 0x5000);
    assertThat(r.lo()).isEqualTo(0x5001L);
    assertThat(RootEntry.decode(0x5001L)).isEqualTo(r);
    assertThat(RootEntry.reservedBitsSet(0x5001L | 1 << 3, 0, 39)).isTrue();
    assertThat(RootEntry.reservedBitsSet(0x5001L, 1, 39)).isTrue();
    assertThat(RootEntry.address(0x10000, 3)).isEqualTo(0x10030);
  }

  @Test
  void secondLevelPteAsTheTraceShowsThem() {
    // "...003 (R|W) for device-writable buffers and ...001 (R only) for DMA_TO_DEVICE buffers"
    assertThat(SecondLevelPte.leaf(0x2bf2000L, true, true).encode()).isEqualTo(0x2bf2003L);
    assertThat(SecondLevelPte.leaf(0x2bf2000L, true, false).encode()).isEqualTo(0x2bf2001L);
    assertThat(SecondLevelPte.present(0x2bf2000L)).isFalse(); // no present bit: R|W = 0
    long sp = new SecondLevelPte(true, true, true, false, 0x20_0000L).encode();
    assertThat(sp).isEqualTo(0x200083L);
    assertThat(SecondLevelPte.isSuperpage(sp)).isTrue();
  }

  @Test
  void pteReservedMasksPerLevel() {
    // QEMU vtd_spte_rsvd: SNP without snoop control, PS in a PML4E, sub-page bits of superpages
    assertThat(SecondLevelPte.reservedMask(1, false, 48, false) & SecondLevelPte.SNP).isNotZero();
    assertThat(SecondLevelPte.reservedMask(1, false, 48, true) & SecondLevelPte.SNP).isZero();
    assertThat(SecondLevelPte.reservedMask(4, false, 48, false) & SecondLevelPte.PS).isNotZero();
    assertThat(SecondLevelPte.reservedMask(2, true, 48, false) & (1L << 12)).isNotZero();
    assertThat(SecondLevelPte.reservedMask(2, true, 48, false) & (1L << 21)).isZero();
    assertThat(SecondLevelPte.reservedMask(3, true, 48, false) & (1L << 29)).isNotZero();
    assertThat(SecondLevelPte.reservedMask(1, false, 39, false) & (1L << 39)).isNotZero();
    assertThat(SecondLevelPte.reservedMask(1, false, 39, false) & (1L << 61)).isZero(); // ignored bits
  }

  @Test
  void sourceIdParsesLspciStyle() {
    assertThat(SourceId.parse("00:1f.2").sid()).isEqualTo(0xfa);
    assertThat(SourceId.parse("0000:00:01.0").sid()).isEqualTo(0x08);
    assertThat(SourceId.of(0xfb).toString()).isEqualTo("00:1f.3");
    assertThatThrownBy(() -> SourceId.parse("00:20.0")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SourceId.parse("nic")).hasMessageContaining("bb:dd.f");
  }

  @Test
  void registerFieldCodecs() {
    ContextCommand cc = new ContextCommand(true, 3, 0, 0, 0x08, 0);
    assertThat(cc.encode()).isEqualTo(1L << 63 | 3L << 61 | 0x08L << 16);
    assertThat(ContextCommand.decode(cc.encode())).isEqualTo(cc);
    IotlbCommand ic = new IotlbCommand(true, 2, 0, true, true, 5);
    assertThat(ic.encode()).isEqualTo(1L << 63 | 2L << 60 | 1L << 49 | 1L << 48 | 5L << 32);
    assertThat(IotlbCommand.decode(ic.encode())).isEqualTo(ic);
    assertThat(new InvalidateAddress(0x100000, true, 3).encode()).isEqualTo(0x100043L);
    assertThat(InvalidationQueueRegisters.entries(InvalidationQueueRegisters.iqa(0x1000, false, 0))).isEqualTo(256);
    assertThat(InvalidationQueueRegisters.entries(InvalidationQueueRegisters.iqa(0x1000, true, 1))).isEqualTo(256);
    assertThat(InvalidationQueueRegisters.registerToIndex(0xfe0, false)).isEqualTo(0xfe);
    FaultRecord fr = new FaultRecord(0xabc000, 0x08, 6, true, true);
    assertThat(FaultRecord.decode(fr.lo(), fr.hi())).isEqualTo(fr);
    assertThat(fr.hi() >>> 63).isEqualTo(1);
    assertThat((fr.hi() >>> 32) & 0xFF).isEqualTo(6);
  }

  @Test
  void bitsHelpers() {
    assertThat(Bits.mask(63, 12)).isEqualTo(0xFFFF_FFFF_FFFF_F000L);
    assertThat(Bits.get(0xABCDL, 11, 4)).isEqualTo(0xBC);
    assertThat(Bits.set(0, 5, 4, 3)).isEqualTo(0x30);
    assertThatThrownBy(() -> Bits.set(0, 5, 4, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Bits.above(48)).isEqualTo(0xFFFF_0000_0000_0000L);
  }

  @Test
  void functionMaskAndInterruptRange() {
    // spec 6.5.1.1: FM 1 masks function bit 2, FM 3 masks bits 2:0
    assertThat(FunctionMask.matches(0x0c, 0x08, 1)).isTrue();
    assertThat(FunctionMask.matches(0x0a, 0x08, 1)).isFalse();
    assertThat(FunctionMask.matches(0x0f, 0x08, 3)).isTrue();
    assertThat(FunctionMask.matches(0x10, 0x08, 3)).isFalse();
    assertThat(FunctionMask.matches(0x09, 0x08, 0)).isFalse();
    assertThat(InterruptRange.contains(0xFEEF_FFFFL)).isTrue();
    assertThat(InterruptRange.contains(0xFEF0_0000L)).isFalse();
    assertThat(InterruptRange.overlaps(0xFE00_0000L, 0xE0_0001L)).isTrue();
    assertThat(InterruptRange.overlaps(0xFE00_0000L, 0xE0_0000L)).isFalse();
  }
}
