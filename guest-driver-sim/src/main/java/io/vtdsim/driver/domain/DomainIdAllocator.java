package io.vtdsim.driver.domain;

import io.vtdsim.driver.DriverException;
import java.util.BitSet;

/**
 * Domain IDs 0..2^(4+2·ND)−1, lowest free first (a bitmap first-zero, as Linux); IDs below
 * {@code firstUsable} are reserved (DID 0 always; DID 1 too in 6.x). Freed IDs are reused.
 */
public final class DomainIdAllocator {
  private final int count;
  private final BitSet used = new BitSet();

  public DomainIdAllocator(int count, int firstUsable) {
    if (firstUsable < 1 || firstUsable >= count) {
      throw new IllegalArgumentException("reserved IDs must include DID 0 and leave some free");
    }
    this.count = count;
    used.set(0, firstUsable);
  }

  public int allocate() {
    int id = used.nextClearBit(0);
    if (id >= count) throw new DriverException("no free domain ID (CAP.ND allows " + count + ")");
    used.set(id);
    return id;
  }

  public void free(int id) {
    if (id <= 0 || id >= count || !used.get(id)) throw new IllegalStateException("DID " + id + " is not allocated");
    used.clear(id);
  }
}
