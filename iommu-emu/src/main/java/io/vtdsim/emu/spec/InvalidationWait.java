package io.vtdsim.emu.spec;

/**
 * Invalidation wait descriptor (type 5, VT-d spec 6.5.2.8): lo IF 4, SW 5, FN 6, PD 7, status data
 * 63:32; hi status address 63:2. Reserved: lo bits 8 and 31:12 (and PD without ECAP.PDS), hi 1:0.
 */
public record InvalidationWait(
    boolean interruptFlag, boolean statusWrite, boolean fence, boolean pageDrain, int statusData, long statusAddress)
    implements InvalidationDescriptor {
  public static final long LO_RESERVED = 0xFFFF_F100L;
  public static final long HI_RESERVED = 0x3L;
  /** Linux's QI_DONE status value. */
  public static final int QI_DONE = 2;

  public InvalidationWait {
    if ((statusAddress & 3) != 0) throw new IllegalArgumentException("status address must be 4-byte aligned");
  }

  /** A status-write wait as Linux's qi_submit_sync builds it: SW=1, data, address. */
  public static InvalidationWait statusWrite(int data, long address) {
    return new InvalidationWait(false, true, false, false, data, address);
  }

  @Override
  public long lo() {
    return TYPE_WAIT
        | Bits.bit(interruptFlag, 4)
        | Bits.bit(statusWrite, 5)
        | Bits.bit(fence, 6)
        | Bits.bit(pageDrain, 7)
        | ((statusData & 0xFFFF_FFFFL) << 32);
  }

  @Override
  public long hi() {
    return statusAddress;
  }

  static InvalidationDescriptor decode(long lo, long hi, boolean pageDrainSupported) {
    String problem = problem(lo, hi, pageDrainSupported);
    if (problem != null) return new Malformed(lo, hi, problem);
    return new InvalidationWait(Bits.bit(lo, 4), Bits.bit(lo, 5), Bits.bit(lo, 6), Bits.bit(lo, 7), statusDataOf(lo),
        statusAddressOf(hi));
  }

  // ---- the two descriptor words, without an object (the queue's and the driver's hot path) ----

  /**
   * Why hardware rejects {@code lo, hi} as a wait descriptor (reserved bits, none of IF/SW/FN), or
   * null: the checks of {@link #decode}, on the words.
   */
  public static String problem(long lo, long hi, boolean pageDrainSupported) {
    long reserved = LO_RESERVED | (pageDrainSupported ? 0 : 1L << 7);
    if ((lo & reserved) != 0 || (hi & HI_RESERVED) != 0) return "invalidation wait: reserved bits set";
    if ((lo & (IF | SW | FN)) == 0) return "invalidation wait: none of IF, SW, FN set";
    return null;
  }

  /** Low-word bits IF (4), SW (5), FN (6). */
  public static final long IF = 1L << 4;
  public static final long SW = 1L << 5;
  public static final long FN = 1L << 6;

  /** The low word of {@link #statusWrite}{@code (data, address)}; its high word is the address. */
  public static long statusWriteLo(int data) {
    return TYPE_WAIT | SW | ((data & 0xFFFF_FFFFL) << 32);
  }

  /** Status data (63:32) of the low word. */
  public static int statusDataOf(long lo) {
    return (int) (lo >>> 32);
  }

  /** Status address (63:2) of the high word. */
  public static long statusAddressOf(long hi) {
    return hi & ~HI_RESERVED;
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("WAIT");
    if (statusWrite) sb.append(String.format(" SW data=0x%x addr=0x%x", statusData, statusAddress));
    if (interruptFlag) sb.append(" IF");
    if (fence) sb.append(" FN");
    if (pageDrain) sb.append(" PD");
    return sb.toString();
  }
}
