package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.G1;
import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static io.vtdsim.emu.vtd.TranslatorFixture.M2;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SecondLevelPte;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Second-level walks (VT-d spec 3.6, 9.8): 3/4/5 levels selected by the context entry's AW, 4 KiB
 * leaves and 2 MiB / 1 GiB superpages, the output address = leaf address | page offset.
 */
class TranslatorWalkTest {
  private static final int SID = 0x0010; // 00:02.0
  private static final int DID = 7;

  /** aw-bits of the unit and AGAW of the context: 39 → 3 levels, 48 → 4, 57 → 5. */
  @ParameterizedTest(name = "aw {0}, agaw {1}")
  @CsvSource({"39, 1", "48, 2", "57, 3", "48, 1", "57, 2"})
  void fourKilobyteLeafTranslatesWithTheOffset(int aw, int agaw) {
    TranslatorFixture f = TranslatorFixture.qemu(aw);
    long top = f.tables.multiLevelContext(SID, DID, agaw);
    int levels = agaw + 2;
    f.tables.map(top, levels, 0x12_3456_7000L, 0x8765_4000L, K4, true, true);

    TranslationResult r = f.read(SID, 0x12_3456_7ABCL);

    assertThat(r.ok()).isTrue();
    assertThat(r.address()).isEqualTo(0x8765_4ABCL);
    assertThat(r.pageSize()).isEqualTo(K4);
    assertThat(r.read()).isTrue();
    assertThat(r.write()).isTrue();
    assertThat(r.did()).isEqualTo(DID);
    assertThat(r.cached()).isFalse();
  }

  @ParameterizedTest(name = "aw {0}")
  @CsvSource({"39, 1", "48, 2", "57, 3"})
  void twoMegabyteSuperpageAtLevelTwo(int aw, int agaw) {
    TranslatorFixture f = TranslatorFixture.qemu(aw);
    long top = f.tables.multiLevelContext(SID, DID, agaw);
    f.tables.map(top, agaw + 2, 0x40_0000_0000L - 0x20_0000L * 3, 0x2_0040_0000L, M2, true, false);

    TranslationResult r = f.read(SID, 0x40_0000_0000L - 0x20_0000L * 3 + 0x1_2345L);

    assertThat(r.ok()).isTrue();
    assertThat(r.address()).isEqualTo(0x2_0041_2345L);
    assertThat(r.pageSize()).isEqualTo(M2);
    assertThat(r.write()).isFalse();
  }

  @ParameterizedTest(name = "aw {0}")
  @CsvSource({"39, 1", "48, 2", "57, 3"})
  void oneGigabyteSuperpageAtLevelThree(int aw, int agaw) {
    TranslatorFixture f = TranslatorFixture.qemu(aw);
    long top = f.tables.multiLevelContext(SID, DID, agaw);
    f.tables.map(top, agaw + 2, 5 * G1, 6 * G1, G1, true, true);

    TranslationResult r = f.write(SID, 5 * G1 + 0x1234_5678L);

    assertThat(r.ok()).isTrue();
    assertThat(r.address()).isEqualTo(6 * G1 + 0x1234_5678L);
    assertThat(r.pageSize()).isEqualTo(G1);
  }

  @Test
  void fiveLevelWalkUsesTheTopIndexAboveBit48() {
    TranslatorFixture f = TranslatorFixture.qemu(57);
    long top = f.tables.multiLevelContext(SID, DID, 3);
    long high = 1L << 56; // level-5 index 256
    f.tables.map(top, 5, high + 0x3000, 0x5000, K4, true, true);
    f.tables.map(top, 5, 0x3000, 0x9000, K4, true, true);

    assertThat(f.read(SID, high + 0x3010).address()).isEqualTo(0x5010);
    assertThat(f.read(SID, 0x3010).address()).isEqualTo(0x9010);
    assertThat(f.tables.entryAddress(top, 5, high, 5)).isEqualTo(top + 8 * 256);
  }

  @Test
  void permissionsAreAndedDownTheLevels() {
    TranslatorFixture f = TranslatorFixture.qemu(48);
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, 0x20_0000, 0x30_0000, K4, true, true);
    // level-2 entry (the page-directory entry) keeps its table but grants read only
    long pde = f.mem.read64(f.tables.entryAddress(top, 4, 0x20_0000, 2));
    f.tables.setEntry(top, 4, 0x20_0000, 2, SecondLevelPte.addressOf(pde) | SecondLevelPte.R);

    TranslationResult read = f.read(SID, 0x20_0008);
    assertThat(read.ok()).isTrue();
    assertThat(read.read()).isTrue();
    assertThat(read.write()).as("W ANDed away by the level-2 entry").isFalse();
    // spec 3.6.1 / QEMU: write without W anywhere on the path → fault 5
    assertThat(f.write(SID, 0x20_0008).fault()).isEqualTo(FaultReason.WRITE_DENIED);
  }

  @Test
  void writeOnlyLeafDeniesReads() {
    TranslatorFixture f = TranslatorFixture.qemu(48);
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, 0x20_0000, 0x30_0000, K4, false, true);

    assertThat(f.read(SID, 0x20_0000).fault()).isEqualTo(FaultReason.READ_DENIED);
    TranslationResult w = f.write(SID, 0x20_0000);
    assertThat(w.ok()).isTrue();
    assertThat(w.read()).isFalse();
    assertThat(w.write()).isTrue();
  }

  @Test
  void passThroughIsIdentityWithTheContextsDomain() {
    TranslatorFixture f = TranslatorFixture.qemu(48);
    f.tables.passThroughContext(SID, 3, 2);

    TranslationResult r = f.write(SID, 0x1234_5678L);

    assertThat(r.ok()).isTrue();
    assertThat(r.address()).isEqualTo(0x1234_5678L);
    assertThat(r.did()).isEqualTo(3);
    assertThat(f.translator.iotlbSize()).as("pass-through fills no IOTLB entry").isZero();
  }

  @Test
  void loopBetweenTablePagesEndsAfterTheLevelCount() {
    TranslatorFixture f = TranslatorFixture.qemu(48);
    long top = f.tables.multiLevelContext(SID, DID, 2);
    // every level points back at the top table: the walk must still end (at level 1 the "leaf" is
    // the top table's own entry, which points at a table page: a valid 4 KiB leaf)
    f.tables.setEntry(top, 4, 0, 4, top | SecondLevelPte.R | SecondLevelPte.W);

    TranslationResult r = f.read(SID, 0);

    assertThat(r.ok()).isTrue();
    assertThat(r.address()).isEqualTo(top);
  }
}
