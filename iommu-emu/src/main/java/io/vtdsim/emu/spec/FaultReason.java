package io.vtdsim.emu.spec;

/**
 * DMA-remapping fault reasons, VT-d spec 7.1.3 (tables of unrecoverable fault conditions): the legacy
 * codes 1–0xE, then the scalable-mode codes of the PASID structures and first-stage translation. A
 * qualified fault is suppressed when the context entry (scalable mode: also the PASID-directory or
 * PASID-table entry) has FPD=1; which scalable-mode codes are qualified follows QEMU's
 * vtd_qualified_faults (hw/i386/intel_iommu.c). In scalable mode the root and context entries report
 * the legacy codes 1, 2, 3, 8–0xB, as QEMU's vtd_dev_to_context_entry does.
 */
public enum FaultReason {
  ROOT_NOT_PRESENT(0x1, false),
  CONTEXT_NOT_PRESENT(0x2, true),
  CONTEXT_INVALID(0x3, true),
  ADDRESS_BEYOND_MGAW(0x4, true),
  WRITE_DENIED(0x5, true),
  READ_DENIED(0x6, true),
  PAGING_ENTRY_UNREADABLE(0x7, true),
  ROOT_TABLE_UNREADABLE(0x8, false),
  CONTEXT_TABLE_UNREADABLE(0x9, false),
  ROOT_RESERVED(0xA, false),
  CONTEXT_RESERVED(0xB, false),
  PAGING_ENTRY_RESERVED(0xC, true),
  TRANSLATION_TYPE_BLOCKED(0xD, true),
  INTERRUPT_ADDRESS(0xE, true),
  /** RTADDR.TTM names a mode the unit does not support (RTA.2; QEMU's VTD_FR_RTADDR_INV_TTM). */
  ROOT_TABLE_MODE_INVALID(0x31, false),
  /** The PASID-directory entry could not be read (SPD.1). */
  PASID_DIRECTORY_UNREADABLE(0x50, false),
  /** PASID-directory entry with P=0 (SPD.2). */
  PASID_DIRECTORY_NOT_PRESENT(0x51, true),
  /** Reserved bits set in a present PASID-directory entry (SPD.3; QEMU does not check them). */
  PASID_DIRECTORY_RESERVED(0x52, false),
  /** The PASID-table entry could not be read (SPT.1). */
  PASID_TABLE_UNREADABLE(0x58, false),
  /** PASID-table entry with P=0 (SPT.2). */
  PASID_ENTRY_NOT_PRESENT(0x59, true),
  /** Reserved bits set in a present PASID-table entry (SPT.3; QEMU does not check them). */
  PASID_ENTRY_RESERVED(0x5A, false),
  /** Invalid programming of a PASID-table entry: unsupported PGTT, FSPM or AW (SPT.4; QEMU's VTD_FR_PASID_TABLE_ENTRY_INV). */
  PASID_ENTRY_INVALID(0x5B, true),
  /** A first-stage paging entry could not be read (SFS.1; QEMU's VTD_FR_FS_PAGING_ENTRY_INV). */
  FIRST_STAGE_ENTRY_UNREADABLE(0x70, true),
  /** First-stage paging entry with P=0 (SFS.2). */
  FIRST_STAGE_NOT_PRESENT(0x71, true),
  /** Reserved bits set in a present first-stage paging entry (SFS.3). */
  FIRST_STAGE_RESERVED(0x72, true),
  /** FSPTPTR at or above the host address width (SFS.4; QEMU's VTD_FR_PASID_ENTRY_FSPTPTR_INV). */
  FIRST_STAGE_POINTER_INVALID(0x73, true),
  /** First-stage input address not canonical (SGN.1; QEMU's VTD_FR_FS_NON_CANONICAL). */
  FIRST_STAGE_NON_CANONICAL(0x80, true),
  /** A user-mode request met an entry with U/S=0 (SGN.2; QEMU's VTD_FR_FS_PAGING_ENTRY_US). */
  FIRST_STAGE_PRIVILEGE(0x81, true),
  /** A write request without write permission in scalable mode (QEMU's VTD_FR_SM_WRITE). */
  SCALABLE_WRITE_DENIED(0x85, true),
  /** Scalable mode: output address in the interrupt range 0xFEEx_xxxx (QEMU's VTD_FR_SM_INTERRUPT_ADDR). */
  SCALABLE_INTERRUPT_ADDRESS(0x87, true),
  /** The A or D flag of a first-stage entry could not be written (SFS.10; QEMU's VTD_FR_FS_BIT_UPDATE_FAILED). */
  FIRST_STAGE_FLAG_UPDATE_FAILED(0x91, true);

  private final int code;
  private final boolean qualified;

  FaultReason(int code, boolean qualified) {
    this.code = code;
    this.qualified = qualified;
  }

  public int code() {
    return code;
  }

  /** True when FPD=1 in the context entry suppresses the recording of this fault. */
  public boolean qualified() {
    return qualified;
  }

  public static FaultReason ofCode(int code) {
    for (FaultReason r : values()) {
      if (r.code == code) return r;
    }
    throw new IllegalArgumentException("unknown fault reason 0x" + Integer.toHexString(code));
  }
}
