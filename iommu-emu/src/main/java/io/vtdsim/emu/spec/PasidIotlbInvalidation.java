package io.vtdsim.emu.spec;

/**
 * PASID-based IOTLB invalidate descriptor (type 6, 256-bit queues only, VT-d spec 6.5.2.4): Q0 G 5:4
 * (10b all mappings of a PASID, 11b page-selective within a PASID; 00b/01b reserved), DID 31:16, PASID
 * 51:32; Q1 ADDR 63:12, IH 6, AM 5:0; Q2 and Q3 reserved. It invalidates first-stage and nested
 * mappings (and the paging-structure caches of first-stage walks), never second-stage-only or
 * pass-through ones. Encodings as Linux's qi_flush_piotlb (QI_EIOTLB_*) and QEMU's
 * vtd_process_piotlb_desc; reserved masks as QEMU's VTD_INV_DESC_PIOTLB_RSVD_VAL0/1 (Q0
 * 0xfff000000000f1c0, Q1 0xf80).
 */
public record PasidIotlbInvalidation(Granularity granularity, int did, int pasid, long address, boolean ih, int am)
    implements InvalidationDescriptor {
  public static final long LO_RESERVED = 0xFFF0_0000_0000_F1C0L;
  public static final long HI_RESERVED = 0xF80L;

  public enum Granularity {
    /** 10b: every first-stage/nested mapping of (DID, PASID). */
    PASID(2),
    /** 11b: the 2^AM pages at ADDR of (DID, PASID). */
    PAGE(3);

    private final int encoding;

    Granularity(int encoding) {
      this.encoding = encoding;
    }

    public int encoding() {
      return encoding;
    }
  }

  public PasidIotlbInvalidation {
    if (granularity == null) throw new IllegalArgumentException("granularity is required");
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("DID out of range: " + did);
    if (pasid < 0 || pasid > ScalableContextEntry.MAX_PASID) throw new IllegalArgumentException("PASID out of range: " + pasid);
    if ((address & 0xFFF) != 0) throw new IllegalArgumentException("ADDR must be 4 KiB aligned: 0x" + Long.toHexString(address));
    if (am < 0 || am > 0x3F) throw new IllegalArgumentException("AM out of range: " + am);
  }

  public static PasidIotlbInvalidation pasid(int did, int pasid) {
    return new PasidIotlbInvalidation(Granularity.PASID, did, pasid, 0, false, 0);
  }

  public static PasidIotlbInvalidation page(int did, int pasid, long address, int am, boolean ih) {
    return new PasidIotlbInvalidation(Granularity.PAGE, did, pasid, address, ih, am);
  }

  /** First byte of the naturally aligned 2^AM-page block a page-selective invalidation covers. */
  public long alignedBase() {
    return address & ~((1L << (12 + am)) - 1);
  }

  @Override
  public long lo() {
    return TYPE_PASID_IOTLB | ((long) granularity.encoding() << 4) | ((long) did << 16) | ((long) pasid << 32);
  }

  @Override
  public long hi() {
    return granularity == Granularity.PAGE ? address | Bits.bit(ih, 6) | am : 0;
  }

  static InvalidationDescriptor decode(long lo, long hi) {
    if ((lo & LO_RESERVED) != 0 || (hi & HI_RESERVED) != 0) {
      return new Malformed(lo, hi, "PASID-based IOTLB invalidation: reserved bits set");
    }
    int g = (int) Bits.get(lo, 5, 4);
    if (g < 2) return new Malformed(lo, hi, "PASID-based IOTLB invalidation: reserved granularity " + g);
    return new PasidIotlbInvalidation(g == 2 ? Granularity.PASID : Granularity.PAGE, (int) Bits.get(lo, 31, 16),
        (int) Bits.get(lo, 51, 32), hi & Bits.mask(63, 12), Bits.bit(hi, 6), (int) Bits.get(hi, 5, 0));
  }

  @Override
  public String describe() {
    return granularity == Granularity.PASID
        ? String.format("PASID-IOTLB PASID DID=%d PASID=%d", did, pasid)
        : String.format("PASID-IOTLB PSI DID=%d PASID=%d ADDR=0x%x AM=%d%s", did, pasid, address, am, ih ? " IH" : "");
  }
}
