package io.vtdsim.emu.spec;

/**
 * IOTLB invalidate descriptor (type 2, VT-d spec 6.5.2.3): lo G 5:4 (1 global, 2 domain, 3 page), DW
 * 6, DR 7, DID 31:16; hi ADDR 63:12, IH 6, AM 5:0. Reserved masks as QEMU (lo 0xFFFF_FFFF_0000_F100, hi
 * 0xF80).
 */
public record IotlbInvalidation(
    Granularity granularity, boolean drainReads, boolean drainWrites, int did, long address, boolean ih, int am)
    implements InvalidationDescriptor {
  public static final long LO_RESERVED = 0xFFFF_FFFF_0000_F100L;
  public static final long HI_RESERVED = 0xF80L;

  public enum Granularity {
    GLOBAL(1),
    DOMAIN(2),
    PAGE(3);

    private static final Granularity[] VALUES = values();
    private final int encoding;

    Granularity(int encoding) {
      this.encoding = encoding;
    }

    public int encoding() {
      return encoding;
    }

    public static Granularity of(int encoding) {
      for (Granularity g : VALUES) {
        if (g.encoding == encoding) return g;
      }
      throw new IllegalArgumentException("invalid IOTLB granularity " + encoding);
    }
  }

  public IotlbInvalidation {
    if (granularity == null) throw new IllegalArgumentException("granularity is required");
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("DID out of range: " + did);
    if ((address & 0xFFF) != 0) {
      throw new IllegalArgumentException("ADDR must be 4 KiB aligned: 0x" + Long.toHexString(address));
    }
    if (am < 0 || am > 0x3F) throw new IllegalArgumentException("AM out of range: " + am);
  }

  public static IotlbInvalidation global(boolean dr, boolean dw) {
    return new IotlbInvalidation(Granularity.GLOBAL, dr, dw, 0, 0, false, 0);
  }

  public static IotlbInvalidation domain(int did, boolean dr, boolean dw) {
    return new IotlbInvalidation(Granularity.DOMAIN, dr, dw, did, 0, false, 0);
  }

  public static IotlbInvalidation page(int did, long address, int am, boolean ih, boolean dr, boolean dw) {
    return new IotlbInvalidation(Granularity.PAGE, dr, dw, did, address, ih, am);
  }

  /** First byte of the naturally aligned 2^AM-page block a PSI covers (low ADDR bits ignored, spec 6.5.2.3). */
  public long alignedBase() {
    return address & ~((1L << (12 + am)) - 1);
  }

  /** Bytes a PSI covers: 2^AM pages. */
  public long coveredSize() {
    return 1L << (12 + am);
  }

  @Override
  public long lo() {
    return loWord(granularity, drainReads, drainWrites, did);
  }

  @Override
  public long hi() {
    return granularity == Granularity.PAGE ? hiWord(address, am, ih) : 0;
  }

  // ---- the two descriptor words, without an object (the queue's and the driver's hot path) ----

  /** The low word of an IOTLB invalidation of granularity {@code g} (DID ignored for global). */
  public static long loWord(Granularity g, boolean dr, boolean dw, int did) {
    return TYPE_IOTLB | ((long) g.encoding() << 4) | Bits.bit(dw, 6) | Bits.bit(dr, 7) | ((long) did << 16);
  }

  /** The high word of a PSI: ADDR 63:12, IH 6, AM 5:0. */
  public static long hiWord(long address, int am, boolean ih) {
    return address | Bits.bit(ih, 6) | am;
  }

  /**
   * Why hardware rejects {@code lo, hi} as an IOTLB invalidation (reserved bits, granularity 0), or
   * null when they decode: the checks of {@link #decode}, on the words.
   */
  public static String problem(long lo, long hi) {
    if ((lo & LO_RESERVED) != 0 || (hi & HI_RESERVED) != 0) return "IOTLB invalidation: reserved bits set";
    if (granularityOf(lo) == 0) return "IOTLB invalidation: granularity 0";
    return null;
  }

  /** Field G (5:4) of the low word: 1 global, 2 domain, 3 page. */
  public static int granularityOf(long lo) {
    return (int) ((lo >>> 4) & 3);
  }

  /** Field DID (31:16) of the low word. */
  public static int didOf(long lo) {
    return (int) ((lo >>> 16) & 0xFFFF);
  }

  /** Field ADDR (63:12) of the high word. */
  public static long addressOf(long hi) {
    return hi & ~0xFFFL;
  }

  /** Field AM (5:0) of the high word. */
  public static int amOf(long hi) {
    return (int) (hi & 0x3F);
  }

  /** Field IH (6) of the high word. */
  public static boolean ihOf(long hi) {
    return Bits.bit(hi, 6);
  }

  static InvalidationDescriptor decode(long lo, long hi) {
    String problem = problem(lo, hi);
    if (problem != null) return new Malformed(lo, hi, problem);
    return fromWords(lo, hi);
  }

  /** The record of words that {@link #problem} accepts. */
  public static IotlbInvalidation fromWords(long lo, long hi) {
    String problem = problem(lo, hi);
    if (problem != null) throw new IllegalArgumentException(problem);
    return new IotlbInvalidation(
        Granularity.of(granularityOf(lo)),
        Bits.bit(lo, 7),
        Bits.bit(lo, 6),
        didOf(lo),
        addressOf(hi),
        ihOf(hi),
        amOf(hi));
  }

  @Override
  public String describe() {
    return switch (granularity) {
      case GLOBAL -> "IOTLB global";
      case DOMAIN -> "IOTLB DSI DID=" + did;
      case PAGE -> String.format("IOTLB PSI DID=%d ADDR=0x%x AM=%d%s", did, address, am, ih ? " IH" : "");
    };
  }
}
