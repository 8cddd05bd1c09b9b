package io.vtdsim.driver.pagetable;

import io.vtdsim.emu.spec.FirstStagePte;
import io.vtdsim.emu.spec.SecondLevelPte;

/**
 * How a {@link PageTable}'s entries are spelled: the second-level format (VT-d spec 9.8) or the
 * first-stage x86-64 paging format of scalable mode (spec 9.7), with the bits Linux writes
 * (drivers/iommu/intel/iommu.c pfn_to_dma_pte for table entries, __domain_mapping for leaves). Both
 * formats share the walk: 512 entries of 8 bytes, PS (bit 7) for 2 MiB / 1 GiB leaves.
 *
 * @param presentMask an entry is present when any of these bits is set
 * @param addressMask the next-table or page address of an entry
 * @param superpageBit PS
 * @param tableBits what a non-leaf entry carries besides the address
 * @param leafBits what every leaf carries besides the address and permissions
 * @param readBits added for a readable leaf
 * @param writeBits added for a writable leaf
 * @param firstStage the first-stage format
 */
public record PteFormat(long presentMask, long addressMask, long superpageBit, long tableBits, long leafBits,
    long readBits, long writeBits, boolean firstStage) {

  /** Second level: table entries address|R|W; leaves R and W from the permissions; present = R|W. */
  public static final PteFormat SECOND_LEVEL = new PteFormat(SecondLevelPte.R | SecondLevelPte.W,
      SecondLevelPte.ADDRESS_MASK & ~SecondLevelPte.IGNORED & ~SecondLevelPte.TM, SecondLevelPte.PS,
      SecondLevelPte.R | SecondLevelPte.W, 0, SecondLevelPte.R,
      SecondLevelPte.W, false);

  /**
   * First stage as Linux writes it: table entries P|R/W|U/S (DMA_PTE_READ|DMA_PTE_WRITE|DMA_FL_PTE_US),
   * leaves P|U/S with R/W when writable (DMA_FL_PTE_PRESENT; reads need only P: the first stage has no
   * read permission); A on every entry and D on writable leaves where the era presets them; XD (bit 63)
   * where the era sets it.
   */
  public static PteFormat firstStage(boolean presetsAccessed, boolean executeDisable) {
    long xd = executeDisable ? FirstStagePte.XD : 0;
    long a = presetsAccessed ? FirstStagePte.A : 0;
    long d = presetsAccessed ? FirstStagePte.D : 0;
    return new PteFormat(FirstStagePte.P, FirstStagePte.ADDRESS_MASK, FirstStagePte.PS,
        FirstStagePte.P | FirstStagePte.RW | FirstStagePte.US | a | xd, FirstStagePte.P | FirstStagePte.US | a | xd,
        0, FirstStagePte.RW | d, true);
  }
}
