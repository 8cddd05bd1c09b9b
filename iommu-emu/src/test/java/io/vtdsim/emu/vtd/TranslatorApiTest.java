package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.TranslationType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** API misuse, the absence of fault 0xD for untranslated requests, and concurrent use. */
class TranslatorApiTest {
  private final TranslatorFixture f = TranslatorFixture.qemu(48);

  @Test
  void misuseThrowsIllegalArgument() {
    Translator t = f.translator;
    assertThatThrownBy(() -> t.translate(0, 0x1_0000, 0, false)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("source-id");
    assertThatThrownBy(() -> t.invalidateContextDevice(0x10, 4)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("function mask");
    assertThatThrownBy(() -> t.invalidateIotlbPage(1, 0, 64, false)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("address mask");
    assertThatThrownBy(() -> t.invalidateIotlbDomain(0x1_0000)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("domain id");
  }

  @Test
  void untranslatedRequestsAreNeverBlockedByTheTranslationType() {
    // fault 0xD is for translation / translated requests (spec 7.1.3); TT 00b, 01b (with DT) and
    // 10b all accept untranslated requests
    ExtendedCapability e = f.config.ecap();
    TranslatorFixture g = new TranslatorFixture(f.config.withEcap(new ExtendedCapability(
        e.c(), e.qi(), true, e.ir(), e.eim(), e.pt(), e.sc(), e.iro(), e.mhmv(), e.pds(), e.smts())));
    int sid = 0;
    for (TranslationType tt : List.of(TranslationType.MULTI_LEVEL, TranslationType.MULTI_LEVEL_DEVICE_TLB, TranslationType.PASS_THROUGH)) {
      long top = g.tables.allocPage();
      g.tables.context(++sid, new ContextEntry(true, false, tt, tt == TranslationType.PASS_THROUGH ? 0 : top, 2, 1));
      if (tt != TranslationType.PASS_THROUGH) g.tables.map(top, 4, 0, 0x5000, K4, true, true);
      assertThat(g.read(sid, 0).ok()).as(tt.name()).isTrue();
      assertThat(g.read(sid, 0x1000).fault()).as(tt.name()).isNotEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
    }
  }

  @Test
  void concurrentTranslationsAndInvalidationsStayConsistent() throws InterruptedException {
    int sid = 0x0020;
    long top = f.tables.multiLevelContext(sid, 4, 2);
    for (int i = 0; i < 64; i++) f.tables.map(top, 4, i * K4, (1024 + i) * K4, K4, true, true);
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      threads.add(new Thread(() -> {
        for (int k = 0; k < 5_000; k++) {
          int i = k & 63;
          TranslationResult r = f.read(sid, i * K4 + 8);
          if (!r.ok() || r.address() != (1024 + i) * K4 + 8) wrong.add(r.toString());
        }
      }));
    }
    threads.add(new Thread(() -> {
      for (int k = 0; k < 2_000; k++) {
        f.translator.invalidateIotlbPage(4, (k & 63) * K4, k & 3, false);
        if ((k & 15) == 0) f.translator.invalidateContextGlobal();
      }
    }));
    threads.forEach(Thread::start);
    for (Thread t : threads) t.join();
    assertThat(wrong).isEmpty();
    assertThat(f.translator.iotlbSize()).isLessThanOrEqualTo(64);
  }
}
