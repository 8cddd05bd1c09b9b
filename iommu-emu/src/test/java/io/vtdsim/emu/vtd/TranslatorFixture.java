package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.testing.TableBuilder;

/** A translator over 16 GiB of sparse flat RAM with tables built by {@link TableBuilder}. */
final class TranslatorFixture {
  static final long RAM = 16L << 30;
  static final long POOL = 0x100_0000L;
  static final long K4 = 4096;
  static final long M2 = 2L << 20;
  static final long G1 = 1L << 30;

  final VtdConfig config;
  final GuestMemory mem = GuestMemory.flat(RAM);
  final EventLog log = new EventLog(new Clock());
  final TableBuilder tables = new TableBuilder(mem, POOL);
  final Translator translator;

  TranslatorFixture(VtdConfig config) {
    this.config = config;
    this.translator = new Translator(config, mem, log);
  }

  static TranslatorFixture qemu(int aw) {
    return new TranslatorFixture(VtdConfig.preset("qemu-7.2", aw));
  }

  TranslationResult read(int sid, long iova) {
    return translator.translate(tables.rootTable(), sid, iova, false);
  }

  TranslationResult write(int sid, long iova) {
    return translator.translate(tables.rootTable(), sid, iova, true);
  }

  /** A config with the given cache capacities (the record has no wither for the context cache). */
  static VtdConfig withCapacities(VtdConfig c, int iotlb, int contextCache) {
    return new VtdConfig(c.cap(), c.ecap(), c.mmioBase(), c.hostAddressWidth(), c.negativeCaching(),
        iotlb, contextCache, c.queueProcessing());
  }
}
