package io.vtdsim.emu.spec;

/**
 * Reset values, writable masks, write-1-to-clear masks and write-only masks of the VT-d registers
 * (VT-d spec chapter 11), with the values QEMU's vtd_init defines. Field positions of the command
 * registers live in their own classes ({@link ContextCommand}, {@link IotlbCommand}, ...); this class
 * is the register file's view of them.
 */
public final class RegisterMasks {
  private RegisterMasks() {}

  /** VER: major version 1, minor 0 (11.4.1), as QEMU. */
  public static final int VERSION = 0x10;

  /** RTADDR: RTA 63:12 and TTM 11:10 (11.4.6); QEMU's wmask covers 63:10. */
  public static final long RTADDR_WRITABLE = Bits.mask(63, 10);
  /** RTADDR: the root-table address latched on SRTP. */
  public static final long RTADDR_ADDRESS = Bits.mask(63, 12);

  /** CCMD: ICC, CIRG, FM, SID and DID are writable (11.4.7). */
  public static final long CCMD_WRITABLE = Bits.mask(63, 61) | Bits.mask(33, 0);
  /** CCMD: SID and FM always read back as 0 (as QEMU). */
  public static final long CCMD_WRITE_ONLY = Bits.mask(33, 16);

  /** IOTLB: IVT, IIRG, DR, DW and DID are writable (11.4.8.1). */
  public static final long IOTLB_WRITABLE = Bits.mask(63, 63) | Bits.mask(61, 60) | Bits.mask(49, 32);
  /** IVA: ADDR 63:12, IH 6, AM 5:0 (11.4.8.2); write-only as QEMU. */
  public static final long IVA_WRITABLE = Bits.mask(63, 12) | Bits.mask(6, 0);

  /** FSTS write-1-to-clear bits QEMU implements: PFO and IQE. */
  public static final int FSTS_W1C = FaultStatus.PFO | FaultStatus.IQE;
  /** FSTS bits that keep an interrupt condition pending (11.4.10; AFO/APF never exist here). */
  public static final int FSTS_INTERRUPT_CONDITIONS =
      FaultStatus.PFO | FaultStatus.PPF | FaultStatus.IQE | FaultStatus.ICE | FaultStatus.ITE | FaultStatus.PRO;
  /** FSTS conditions after which QEMU raises no new fault event until software services them. */
  public static final int FSTS_BLOCKS_FAULT_EVENT = FaultStatus.PPF | FaultStatus.PFO | FaultStatus.IQE;

  /** FEDATA / IEDATA: interrupt message data (11.4.11); QEMU: 15:0 for FEDATA, all bits for IEDATA. */
  public static final int FEDATA_WRITABLE = (int) Bits.mask(15, 0);
  public static final int IEDATA_WRITABLE = (int) Bits.mask(31, 0);
  /** FEADDR / IEADDR: message address 31:2. */
  public static final int EVENT_ADDRESS_WRITABLE = (int) Bits.mask(31, 2);

  /** IQT: queue tail 18:4. */
  public static final long IQT_WRITABLE = InvalidationQueueRegisters.INDEX_MASK;
  /** IQA: base 63:12, DW 11, QS 2:0. */
  public static final long IQA_WRITABLE =
      InvalidationQueueRegisters.IQA_BASE_MASK | InvalidationQueueRegisters.IQA_DW | InvalidationQueueRegisters.IQA_QS_MASK;

  /** IRTA: address 63:12, EIME 11, S 3:0 (11.4.12). */
  public static final long IRTA_WRITABLE = Bits.mask(63, 11) | Bits.mask(3, 0);

  /** Fault-recording register high quadword: only F is software-visible as RW1C. */
  public static final long FRCD_HI_W1C = FaultRecord.F;
}
