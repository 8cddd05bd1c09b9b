package io.vtdsim.driver;

/** DMA direction of a streaming mapping; decides the PTE permissions (as Linux's dma_info_to_prot). */
public enum Direction {
  /** The device reads memory: R. */
  TO_DEVICE,
  /** The device writes memory: W (≤5.10 also R when CAP.ZLR=0). */
  FROM_DEVICE,
  /** R|W. */
  BIDIRECTIONAL;

  public boolean deviceReads() {
    return this != FROM_DEVICE;
  }

  public boolean deviceWrites() {
    return this != TO_DEVICE;
  }
}
