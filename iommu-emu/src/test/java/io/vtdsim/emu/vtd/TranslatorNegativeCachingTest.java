package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.FaultReason;
import org.junit.jupiter.api.Test;

/**
 * Negative caching (VT-d spec 6.1: with CAP.CM=1 not-present entries may be cached; QEMU does not
 * model it): a driver that maps without invalidating keeps seeing the fault until it invalidates,
 * which is why Linux sends a PSI after every map when CM=1.
 */
class TranslatorNegativeCachingTest {
  private static final int SID = 0x0008; // 00:01.0
  private static final int DID = 2;
  private static final long IOVA = 0x4_2000L;

  private static TranslatorFixture unmappedThenMapped(VtdConfig config) {
    TranslatorFixture f = new TranslatorFixture(config);
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, 0x1000, 0x5000, K4, true, true); // the path exists, IOVA's leaf does not
    assertThat(f.read(SID, IOVA).fault()).isEqualTo(FaultReason.READ_DENIED);
    f.tables.map(top, 4, IOVA, 0x8000, K4, true, true);
    return f;
  }

  @Test
  void mapWithoutInvalidationStillFaultsUnderCachingMode() {
    TranslatorFixture f = unmappedThenMapped(VtdConfig.qemu72());
    assertThat(f.translator.negativeCaching()).isTrue();

    TranslationResult r = f.read(SID, IOVA);
    assertThat(r.fault()).isEqualTo(FaultReason.READ_DENIED);
    assertThat(r.cached()).isTrue();
    assertThat(f.write(SID, IOVA).fault()).as("not present: by request type").isEqualTo(FaultReason.WRITE_DENIED);

    f.translator.invalidateIotlbPage(DID, IOVA, 0, false);

    TranslationResult after = f.read(SID, IOVA);
    assertThat(after.ok()).isTrue();
    assertThat(after.address()).isEqualTo(0x8000);
  }

  @Test
  void negativeEntriesFollowTheSameInvalidationRules() {
    TranslatorFixture f = unmappedThenMapped(VtdConfig.qemu72());
    f.translator.invalidateIotlbPage(DID + 1, IOVA, 0, false);
    f.translator.invalidateIotlbPage(DID, IOVA + K4, 0, false);
    assertThat(f.read(SID, IOVA).ok()).isFalse();
    f.translator.invalidateIotlbDomain(DID);
    assertThat(f.read(SID, IOVA).ok()).isTrue();
  }

  @Test
  void notPresentAtAHigherLevelIsCachedToo() {
    TranslatorFixture f = new TranslatorFixture(VtdConfig.qemu72());
    long top = f.tables.multiLevelContext(SID, DID, 2);
    long far = 1L << 40; // top-level slot 2: nothing below it
    assertThat(f.read(SID, far).ok()).isFalse();
    f.tables.map(top, 4, far, 0x8000, K4, true, true);
    assertThat(f.read(SID, far).cached()).isTrue();
    f.translator.invalidateIotlbGlobal();
    assertThat(f.read(SID, far).address()).isEqualTo(0x8000);
  }

  @Test
  void absentWithoutCachingMode() {
    VtdConfig bare = VtdConfig.preset("bare-metal", 48);
    assertThat(bare.cap().cm()).isFalse();
    assertThat(bare.negativeCaching()).as("the option is on but CM=0 forbids it").isTrue();
    TranslatorFixture f = unmappedThenMapped(bare);
    assertThat(f.translator.negativeCaching()).isFalse();
    assertThat(f.read(SID, IOVA).address()).isEqualTo(0x8000);
  }

  @Test
  void absentWhenTheOptionIsOff() {
    TranslatorFixture f = unmappedThenMapped(VtdConfig.qemu72().withNegativeCaching(false));
    assertThat(f.read(SID, IOVA).address()).isEqualTo(0x8000);
    assertThat(f.translator.iotlbSize()).isEqualTo(1);
  }

  @Test
  void erroneousEntriesAreNotCached() {
    TranslatorFixture f = new TranslatorFixture(VtdConfig.qemu72());
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, IOVA, 0x8000, K4, true, true);
    f.tables.setEntry(top, 4, IOVA, 1, (1L << 50) | 0x8000 | 3); // bit above HAW: reserved
    assertThat(f.read(SID, IOVA).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    assertThat(f.translator.iotlbSize()).isZero();
  }
}
