package io.vtdsim.emu.spec;

/**
 * Context-cache invalidate descriptor (type 1, VT-d spec 6.5.2.1): lo G 5:4 (1 global, 2 domain, 3
 * device), DID 31:16, SID 47:32, FM 49:48; the high quadword is reserved.
 */
public record ContextCacheInvalidation(Granularity granularity, int did, int sid, int fm)
    implements InvalidationDescriptor {
  public static final long LO_RESERVED = 0xFFFC_0000_0000_F1C0L;

  public enum Granularity {
    GLOBAL(1),
    DOMAIN(2),
    DEVICE(3);

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
      throw new IllegalArgumentException("invalid context-cache granularity " + encoding);
    }
  }

  public ContextCacheInvalidation {
    if (granularity == null) throw new IllegalArgumentException("granularity is required");
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("DID out of range: " + did);
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("SID out of range: " + sid);
    if (fm < 0 || fm > 3) throw new IllegalArgumentException("FM out of range: " + fm);
  }

  public static ContextCacheInvalidation global() {
    return new ContextCacheInvalidation(Granularity.GLOBAL, 0, 0, 0);
  }

  public static ContextCacheInvalidation domain(int did) {
    return new ContextCacheInvalidation(Granularity.DOMAIN, did, 0, 0);
  }

  public static ContextCacheInvalidation device(int did, int sid, int fm) {
    return new ContextCacheInvalidation(Granularity.DEVICE, did, sid, fm);
  }

  @Override
  public long lo() {
    return TYPE_CONTEXT_CACHE
        | ((long) granularity.encoding() << 4)
        | ((long) did << 16)
        | ((long) sid << 32)
        | ((long) fm << 48);
  }

  @Override
  public long hi() {
    return 0;
  }

  static InvalidationDescriptor decode(long lo, long hi) {
    if ((lo & LO_RESERVED) != 0 || hi != 0) {
      return new Malformed(lo, hi, "context-cache invalidation: reserved bits set");
    }
    int g = (int) Bits.get(lo, 5, 4);
    if (g == 0) return new Malformed(lo, hi, "context-cache invalidation: granularity 0");
    return new ContextCacheInvalidation(
        Granularity.of(g), (int) Bits.get(lo, 31, 16), (int) Bits.get(lo, 47, 32), (int) Bits.get(lo, 49, 48));
  }

  @Override
  public String describe() {
    return switch (granularity) {
      case GLOBAL -> "CC global";
      case DOMAIN -> "CC domain DID=" + did;
      case DEVICE -> String.format("CC device DID=%d SID=%s FM=%d", did, SourceId.of(sid), fm);
    };
  }
}
