package io.vtdsim.emu.vtd;

/**
 * The unit's behaviour where a real QEMU and the VT-d specification's least forgiving hardware part
 * ways: one switch per difference, each named for what the unit does when it is on. A machine
 * preset derives the set from its {@link Fidelity} and its QEMU version ({@link #STRICT},
 * {@link #QEMU_7_2}, {@link #QEMU_11_1}); the sources are the functions of QEMU's
 * {@code hw/i386/intel_iommu.c} named below, and the values were measured on QEMU 7.2 and 11.1.3
 * with the same MMIO and memory sequences. Negative caching, the other QEMU difference, is
 * {@link VtdConfig#negativeCaching()} (a preset under {@link Fidelity#QEMU} turns it off).
 *
 * @param fenceOnlyWaitAccepted a wait descriptor with only FN set executes, as the spec (6.5.2.8)
 *     allows; off: IQE, as QEMU's {@code vtd_process_wait_desc} before September 2025 (QEMU 7.2).
 *     Follows the preset's version under both fidelities.
 * @param iqaWidthReadsAsWritten IQA.DW reads back as written even on a unit without ECAP.SMTS, as
 *     QEMU 11.1's {@code vtd_mem_read} (measured on 11.1.3); off: it reads as the width in effect
 *     (0 on a legacy unit: the field is RsvdZ without SMTS, spec 11.4.9.3), as QEMU 7.2.
 * @param pasidAllOnesInWalkFaults a fault found after the context-entry lookup (reasons 4, 5, 6, 7,
 *     0xC, 0xE: the address-width check and the second-level walk) records PV = 0xffff in FRCD
 *     bits 59:40, as QEMU 7.2's {@code vtd_do_iommu_translate}, which passes PCI_NO_PASID (-1) to
 *     {@code vtd_report_fault} and keeps its low 16 bits; off: 0 (spec; QEMU 11.1)
 * @param zeroBeyondRegisters the unit claims its whole 4 KiB MMIO page and reads past the register
 *     window (0x230 on the QEMU presets) return 0, writes there are dropped: QEMU's region is
 *     {@code DMAR_REG_SIZE} long and the rest of the page is unassigned memory, which reads 0
 *     (measured on 7.2 and 11.1.3); off: the window ends at the last register and the bus answers
 *     all-ones there
 * @param sirtpWithoutInterruptRemapping GCMD.SIRTP latches IRTA and sets GSTS.IRTPS even on a unit
 *     without ECAP.IR, as QEMU's {@code vtd_handle_gcmd_write} (measured with intremap=off on 7.2
 *     and 11.1.3); off: SIRTP is ignored there (spec 11.4.4: the bit is reserved without IR)
 * @param iecUpperQuadwordIgnored an interrupt-entry-cache descriptor with non-zero bits 127:64
 *     executes, as QEMU 7.2's {@code vtd_process_inv_iec_desc}; off: IQE (spec 6.5.2.7 reserved;
 *     QEMU 11.1.3 too)
 * @param scalableDescriptorsIgnored descriptor types 6 (PASID-IOTLB) and 7 (PASID-cache) in a
 *     legacy 128-bit queue are no-ops, as QEMU 7.2's {@code vtd_process_inv_desc} ("just return
 *     true is enough so far"); off: IQE (QEMU 11.1.3: "256-bit ... inv desc in 128-bit invalidation
 *     queue")
 * @param pagingStructureCache non-leaf entries are cached (spec 6.2.4) and kept by a PSI with IH=1;
 *     off: every IOTLB miss walks from the context entry's table, as QEMU (it has no
 *     paging-structure cache), so a retargeted PDE is seen at once and IH=1 acts as IH=0
 * @param iotlbTaggedBySourceId the IOTLB is keyed by (source-id, page, level) and looked up before
 *     the context cache, as QEMU's {@code vtd_lookup_iotlb} in {@code vtd_do_iommu_translate}: an
 *     entry survives a context-cache flush of its device (even when the context entry was cleared
 *     or its DID changed) until an IOTLB invalidation of the DID it was filled under, and two
 *     devices of one domain never share an entry; off: keyed by the context's DID (spec 6.2.3),
 *     after the context cache
 * @param domainContextInvalidationGlobal a queued domain-selective context-cache invalidation
 *     flushes the whole context cache, as QEMU's {@code vtd_process_context_cache_desc} (the domain
 *     case falls through to {@code vtd_context_global_invalidate}), even when its DID matches no
 *     entry; off: only the entries of that DID (spec 6.5.2.1)
 * @param partialDmaBeforeFault an emulated device's DMA that crosses from a mapped into an unmapped
 *     page moves the bytes of the pages before the fault, as QEMU's {@code dma_memory_rw} (a
 *     translation per page, stopping at the first failure); off: the request moves nothing
 * @param abortOnWaitWithStatusAndInterrupt a wait descriptor with SW and IF both set stops the
 *     emulator (QEMU 7.2 aborts on an assertion in {@code vtd_process_wait_desc}: a guest can kill
 *     it); off: the status is written and the completion interrupt raised (spec; QEMU 11.1.3)
 * @param pasidEntriesCached scalable mode: PASID-table entries are cached (with their context
 *     entries) until a PASID-cache or context-cache invalidation, as the spec allows (6.2.2); off:
 *     the entry is read from guest memory on every translation, as QEMU 11.1.3 (measured: a
 *     rewritten entry is used after a PASID-based IOTLB invalidation alone)
 * @param dirtyOnCachedWrite scalable mode: a write that hits a first-stage IOTLB entry a read filled
 *     walks again so that D gets set (spec 3.6.3, as x86 TLBs); off: the write is answered from the
 *     IOTLB and D stays clear, as QEMU 11.1.3 (measured)
 */
public record UnitBehaviour(
    boolean fenceOnlyWaitAccepted,
    boolean iqaWidthReadsAsWritten,
    boolean pasidAllOnesInWalkFaults,
    boolean zeroBeyondRegisters,
    boolean sirtpWithoutInterruptRemapping,
    boolean iecUpperQuadwordIgnored,
    boolean scalableDescriptorsIgnored,
    boolean pagingStructureCache,
    boolean iotlbTaggedBySourceId,
    boolean domainContextInvalidationGlobal,
    boolean partialDmaBeforeFault,
    boolean abortOnWaitWithStatusAndInterrupt,
    boolean pasidEntriesCached,
    boolean dirtyOnCachedWrite) {

  /** The specification's least forgiving legal hardware ({@link Fidelity#STRICT}). */
  public static final UnitBehaviour STRICT =
      new UnitBehaviour(true, false, false, false, false, false, false, true, false, false, false, false, true, true);

  /** QEMU 7.2 ({@code qemu-7.2} under {@link Fidelity#QEMU}). */
  public static final UnitBehaviour QEMU_7_2 =
      new UnitBehaviour(false, false, true, true, true, true, true, false, true, true, true, true,
          false, false); // the scalable-mode switches as 11.1 (not measured on 7.2)

  /** QEMU 11.1 ({@code qemu-11.1} under {@link Fidelity#QEMU}; values measured on 11.1.3). */
  public static final UnitBehaviour QEMU_11_1 =
      new UnitBehaviour(true, true, false, true, true, false, false, false, true, true, true, false, false, false);

  public UnitBehaviour withFenceOnlyWaitAccepted(boolean on) {
    return new UnitBehaviour(on, iqaWidthReadsAsWritten, pasidAllOnesInWalkFaults, zeroBeyondRegisters,
        sirtpWithoutInterruptRemapping, iecUpperQuadwordIgnored, scalableDescriptorsIgnored, pagingStructureCache,
        iotlbTaggedBySourceId, domainContextInvalidationGlobal, partialDmaBeforeFault,
        abortOnWaitWithStatusAndInterrupt, pasidEntriesCached, dirtyOnCachedWrite);
  }
}
