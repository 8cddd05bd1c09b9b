package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static io.vtdsim.emu.vtd.TranslatorFixture.M2;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.TranslationType;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ATS requests through the translator, per context-entry TT (VT-d spec 9.3): "00b: Untranslated
 * requests are translated ... Translated requests and Translation Requests are blocked. 01b:
 * Untranslated, Translated and Translation Requests are supported" (reserved without ECAP.DT), "10b:
 * Untranslated requests are processed as pass-through ... Translated and Translation Requests are
 * blocked". Blocked is fault 0xD, qualified (Table 30, LCT.5). What a translation request gets back
 * follows spec 4.2.3 and Table 30's translation-request column; a translated request 4.2.5.
 */
class TranslationRequestTest {
  private static final int SID = 0x0210; // 02:02.0
  private static final int DID = 7;
  private static final long IOVA = 0x1234_5000L;
  private static final long GPA = 0x0345_6000L;

  /** qemu-7.2 at aw 48 (HAW 48, MGAW 48, 2M/1G pages) with device-TLB support (ECAP.DT) switched on. */
  private static TranslatorFixture withDeviceTlb() {
    VtdConfig c = VtdConfig.preset("qemu-7.2", 48);
    return new TranslatorFixture(c.withEcap(c.ecap().withDt(true)));
  }

  private final TranslatorFixture f = withDeviceTlb();

  private TranslationResult request(RequestType type, long iova, boolean write) {
    return f.translator.translate(f.tables.rootTable(), SID, iova, write, type);
  }

  /** A 4-level context of the given TT mapping IOVA → GPA with the given permissions. */
  private long context(TranslationType tt, boolean fpd, boolean r, boolean w) {
    long top = f.tables.allocPage();
    f.tables.context(SID, new ContextEntry(true, fpd, tt, top, 2, DID));
    f.tables.map(top, 4, IOVA, GPA, K4, r, w);
    return top;
  }

  @Nested
  class MultiLevelTt00 {
    @ParameterizedTest
    @EnumSource(value = RequestType.class, names = {"TRANSLATION_REQUEST", "TRANSLATED"})
    void blocksAtsRequestsWith0xD(RequestType type) {
      context(TranslationType.MULTI_LEVEL, false, true, true);

      TranslationResult r = request(type, IOVA, false);

      assertThat(r.fault()).isEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
      assertThat(r.fault().code()).isEqualTo(0xD);
      assertThat(r.faultSuppressed()).isFalse();
      assertThat(r.did()).isEqualTo(DID);
      assertThat(r.ok()).isFalse();
    }

    @Test
    void stillTranslatesUntranslatedRequests() {
      context(TranslationType.MULTI_LEVEL, false, true, true);

      assertThat(request(RequestType.UNTRANSLATED, IOVA + 8, true).address()).isEqualTo(GPA + 8);
      assertThat(f.write(SID, IOVA + 8).address()).isEqualTo(GPA + 8);
    }

    @Test
    void blockedEvenWhereNothingIsMapped() {
      // 0xD comes from the context entry, before any walk
      f.tables.multiLevelContext(SID, DID, 2);
      assertThat(request(RequestType.TRANSLATION_REQUEST, IOVA, false).fault())
          .isEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
    }

    @Test
    void fpdSuppressesTheQualified0xD() {
      context(TranslationType.MULTI_LEVEL, true, true, true);

      TranslationResult r = request(RequestType.TRANSLATION_REQUEST, IOVA, false);

      assertThat(r.fault()).isEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
      assertThat(r.faultSuppressed()).isTrue();
    }

    @Test
    void isBlockedTheSameOnAUnitWithoutDeviceTlbs() {
      TranslatorFixture plain = TranslatorFixture.qemu(48);
      assertThat(plain.config.ecap().dt()).isFalse();
      long top = plain.tables.multiLevelContext(SID, DID, 2);
      plain.tables.map(top, 4, IOVA, GPA, K4, true, true);

      TranslationResult r = plain.translator.translate(plain.tables.rootTable(), SID, IOVA, false,
          RequestType.TRANSLATION_REQUEST);

      assertThat(r.fault()).isEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
    }
  }

  @Nested
  class PassThroughTt10 {
    @ParameterizedTest
    @EnumSource(value = RequestType.class, names = {"TRANSLATION_REQUEST", "TRANSLATED"})
    void blocksAtsRequestsWith0xD(RequestType type) {
      f.tables.passThroughContext(SID, DID, 2);

      TranslationResult r = request(type, IOVA, true);

      // spec 9.3 TT=10b: "Translated and Translation Requests are blocked"; Table 10 likewise
      assertThat(r.fault()).isEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
    }

    @Test
    void passesUntranslatedRequestsThrough() {
      f.tables.passThroughContext(SID, DID, 2);
      assertThat(request(RequestType.UNTRANSLATED, IOVA, true).address()).isEqualTo(IOVA);
    }
  }

  @Nested
  class DeviceTlbTt01 {
    @Test
    void isAnInvalidContextWithoutEcapDtForEveryRequestType() {
      TranslatorFixture plain = TranslatorFixture.qemu(48);
      long top = plain.tables.allocPage();
      plain.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));

      for (RequestType type : RequestType.values()) {
        TranslationResult r = plain.translator.translate(plain.tables.rootTable(), SID, IOVA, false, type);
        // Table 30 LCT.4.2: a TT the hardware does not support is reason 3 for all request types
        assertThat(r.fault()).as(type.name()).isEqualTo(FaultReason.CONTEXT_INVALID);
      }
    }

    @Test
    void translatesUntranslatedRequestsLikeTt00() {
      context(TranslationType.MULTI_LEVEL_DEVICE_TLB, false, true, false);

      assertThat(request(RequestType.UNTRANSLATED, IOVA + 0x10, false).address()).isEqualTo(GPA + 0x10);
      assertThat(f.write(SID, IOVA).fault()).isEqualTo(FaultReason.WRITE_DENIED);
    }

    @Test
    void aTranslationRequestReturnsTheTranslationWithItsEffectivePermissions() {
      context(TranslationType.MULTI_LEVEL_DEVICE_TLB, false, true, false);

      TranslationResult r = request(RequestType.TRANSLATION_REQUEST, IOVA + 0x10, true);

      // the completion carries the page (4 KiB) and R=1, W=0: a read-only page is no fault (LGN.2)
      assertThat(r.ok()).isTrue();
      assertThat(r.address()).isEqualTo(GPA + 0x10);
      assertThat(r.pageSize()).isEqualTo(K4);
      assertThat(r.read()).isTrue();
      assertThat(r.write()).isFalse();
      assertThat(r.did()).isEqualTo(DID);
    }

    @Test
    void aTranslationRequestToA2MiBPageReportsTheLargePage() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));
      f.tables.map(top, 4, 0x4000_0000L, 0x0060_0000L, M2, true, true);

      TranslationResult r = request(RequestType.TRANSLATION_REQUEST, 0x4001_2000L, false);

      assertThat(r.address()).isEqualTo(0x0061_2000L);
      assertThat(r.pageSize()).isEqualTo(M2);
      assertThat(r.read()).isTrue();
      assertThat(r.write()).isTrue();
    }

    @Test
    void aNotPresentPageIsSuccessWithNoPermissionNotAFault() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));

      TranslationResult r = request(RequestType.TRANSLATION_REQUEST, IOVA, false);

      // Table 30 LGN.3: "Success with effective permission" — the device-TLB sees R=W=0
      assertThat(r.fault()).isNull();
      assertThat(r.ok()).isTrue();
      assertThat(r.read()).isFalse();
      assertThat(r.write()).isFalse();
    }

    @Test
    void anInputAboveTheAddressWidthIsSuccessWithNoPermission() {
      long top = f.tables.allocPage();
      // AW=1: a 3-level, 39-bit context
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 1, DID));

      TranslationResult r = request(RequestType.TRANSLATION_REQUEST, 1L << 40, false);

      // Table 30 LGN.1.1: "Success with R=W=U=S=0" for translation requests, 4h for untranslated
      assertThat(r.fault()).isNull();
      assertThat(r.read() || r.write()).isFalse();
      assertThat(r.pageSize()).isEqualTo(K4);
      assertThat(request(RequestType.UNTRANSLATED, 1L << 40, false).fault()).isEqualTo(FaultReason.ADDRESS_BEYOND_MGAW);
    }

    @Test
    void aReservedBitInTheLeafIsStillFault0xC() {
      long top = context(TranslationType.MULTI_LEVEL_DEVICE_TLB, false, true, true);
      f.tables.setEntry(top, 4, IOVA, 1, GPA | SecondLevelPte.R | SecondLevelPte.SNP); // SNP without ECAP.SC

      // Table 30 LSS.2: CA with reason Ch for translation requests
      assertThat(request(RequestType.TRANSLATION_REQUEST, IOVA, false).fault())
          .isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void anOutputInTheInterruptRangeIsFault0xE() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));
      f.tables.map(top, 4, IOVA, 0xFEE0_0000L, K4, true, true);

      // Table 30 LGN.4: CA with reason Eh
      assertThat(request(RequestType.TRANSLATION_REQUEST, IOVA, false).fault()).isEqualTo(FaultReason.INTERRUPT_ADDRESS);
    }

    @Test
    void anInputInTheInterruptRangeIsWriteOnlyUntranslatedAccessNotAFault() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));

      TranslationResult r = request(RequestType.TRANSLATION_REQUEST, 0xFEE0_1000L, false);

      // Table 30 S.1 (NW ignored without ECAP.NWFS): "Success with R=S=0, W=U=1"
      assertThat(r.fault()).isNull();
      assertThat(r.read()).isFalse();
      assertThat(r.write()).isTrue();
      assertThat(r.address()).isEqualTo(0xFEE0_1000L);
    }

    @Test
    void aTranslationRequestFillsTheIotlbThatUntranslatedRequestsThenHit() {
      context(TranslationType.MULTI_LEVEL_DEVICE_TLB, false, true, true);

      assertThat(request(RequestType.TRANSLATION_REQUEST, IOVA, false).cached()).isFalse();
      TranslationResult again = request(RequestType.UNTRANSLATED, IOVA + 4, true);

      assertThat(again.cached()).isTrue();
      assertThat(again.address()).isEqualTo(GPA + 4);
      assertThat(request(RequestType.TRANSLATION_REQUEST, IOVA, false).cached()).isTrue();
    }

    @Test
    void aTranslatedRequestPassesItsAddressUnchanged() {
      // nothing mapped: a translated request is not looked up in the tables (spec 4.2.5)
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));

      TranslationResult r = request(RequestType.TRANSLATED, 0x0777_7123L, true);

      assertThat(r.ok()).isTrue();
      assertThat(r.address()).isEqualTo(0x0777_7123L);
      assertThat(r.write()).isTrue();
      assertThat(f.translator.iotlbSize()).isZero();
    }

    @Test
    void aTranslatedRequestAboveTheHostAddressWidthIsFault4() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));
      assertThat(f.config.hostAddressWidth()).isEqualTo(48);

      // Table 30 LGN.1.2
      assertThat(request(RequestType.TRANSLATED, 1L << 48, false).fault()).isEqualTo(FaultReason.ADDRESS_BEYOND_MGAW);
      assertThat(request(RequestType.TRANSLATED, (1L << 48) - 4096, false).ok()).isTrue();
    }

    @Test
    void aTranslatedRequestIntoTheInterruptRangeIsFault0xE() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));

      // Table 30 LGN.4: "For Translated requests ... the output address is the same as the address in the request"
      assertThat(request(RequestType.TRANSLATED, 0xFEEF_F000L, true).fault()).isEqualTo(FaultReason.INTERRUPT_ADDRESS);
    }
  }

  @Test
  void contextFaultsAreTheSameForEveryRequestType() {
    // no root entry at all: reason 1 for untranslated, translation and translated requests alike
    for (RequestType type : RequestType.values()) {
      assertThat(request(type, IOVA, false).fault()).as(type.name()).isEqualTo(FaultReason.ROOT_NOT_PRESENT);
    }
  }

  @Test
  void theTranslateEventNamesTheTypeOfAnAtsRequestOnly() {
    context(TranslationType.MULTI_LEVEL, false, true, true);

    request(RequestType.UNTRANSLATED, IOVA, false);
    request(RequestType.TRANSLATION_REQUEST, IOVA, false);

    List<Event> events = f.log.eventsOfKind(Translator.EV_TRANSLATE);
    assertThat(events).hasSize(2);
    assertThat(events.get(0).attrs()).doesNotContainKey("type").containsEntry("result", "ok");
    assertThat(events.get(1).attrs())
        .containsEntry("type", "TRANSLATION_REQUEST")
        .containsEntry("result", "TRANSLATION_TYPE_BLOCKED");
  }
}
