package io.vtdsim.emu.spec;

/**
 * PASID-cache invalidate descriptor (type 7, 256-bit queues only, VT-d spec 6.5.2.2): Q0 G 5:4 (00b
 * domain-selective, 01b PASID-selective within a domain, 11b global; 10b reserved), DID 31:16, PASID
 * 51:32; Q1–Q3 reserved. Encodings as Linux's QI_PC_* (qi_flush_pasid_cache); reserved mask of Q0 as
 * QEMU's VTD_INV_DESC_PASIDC_RSVD_VAL0 (0xfff000000000f1c0).
 */
public record PasidCacheInvalidation(Granularity granularity, int did, int pasid) implements InvalidationDescriptor {
  public static final long LO_RESERVED = 0xFFF0_0000_0000_F1C0L;

  public enum Granularity {
    /** 00b: every PASID entry cached with DID (Linux QI_PC_ALL_PASIDS). */
    DOMAIN(0),
    /** 01b: the entry of (DID, PASID) (QI_PC_PASID_SEL). */
    PASID(1),
    /** 11b: every cached PASID entry (QI_PC_GLOBAL). */
    GLOBAL(3);

    private final int encoding;

    Granularity(int encoding) {
      this.encoding = encoding;
    }

    public int encoding() {
      return encoding;
    }
  }

  public PasidCacheInvalidation {
    if (granularity == null) throw new IllegalArgumentException("granularity is required");
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("DID out of range: " + did);
    if (pasid < 0 || pasid > ScalableContextEntry.MAX_PASID) throw new IllegalArgumentException("PASID out of range: " + pasid);
  }

  public static PasidCacheInvalidation global() {
    return new PasidCacheInvalidation(Granularity.GLOBAL, 0, 0);
  }

  public static PasidCacheInvalidation domain(int did) {
    return new PasidCacheInvalidation(Granularity.DOMAIN, did, 0);
  }

  public static PasidCacheInvalidation pasid(int did, int pasid) {
    return new PasidCacheInvalidation(Granularity.PASID, did, pasid);
  }

  @Override
  public long lo() {
    return TYPE_PASID_CACHE | ((long) granularity.encoding() << 4) | ((long) did << 16) | ((long) pasid << 32);
  }

  @Override
  public long hi() {
    return 0;
  }

  static InvalidationDescriptor decode(long lo, long hi) {
    if ((lo & LO_RESERVED) != 0 || hi != 0) {
      return new Malformed(lo, hi, "PASID-cache invalidation: reserved bits set");
    }
    Granularity g = switch ((int) Bits.get(lo, 5, 4)) {
      case 0 -> Granularity.DOMAIN;
      case 1 -> Granularity.PASID;
      case 3 -> Granularity.GLOBAL;
      default -> null;
    };
    if (g == null) return new Malformed(lo, hi, "PASID-cache invalidation: reserved granularity 2");
    return new PasidCacheInvalidation(g, (int) Bits.get(lo, 31, 16), (int) Bits.get(lo, 51, 32));
  }

  @Override
  public String describe() {
    return switch (granularity) {
      case GLOBAL -> "PASID-cache global";
      case DOMAIN -> "PASID-cache DSI DID=" + did;
      case PASID -> String.format("PASID-cache PASID DID=%d PASID=%d", did, pasid);
    };
  }
}
