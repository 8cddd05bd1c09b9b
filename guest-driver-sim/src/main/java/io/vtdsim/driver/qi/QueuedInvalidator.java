package io.vtdsim.driver.qi;

import io.vtdsim.driver.DriverTimeoutException;
import io.vtdsim.driver.QueueErrorException;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.Registers;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Queued invalidation as Linux's {@code qi_submit_sync} (dmar.c): descriptors then one invalidation
 * wait whose status write stores QI_DONE into the wait slot's status word; IQT moves past them; the
 * status word in guest memory is polled, calling {@link #checkFault} between polls. 256 descriptors,
 * wrapping: 128-bit ones in one 4 KiB page, or — on a unit with ECAP.SMTS, where Linux's
 * __dmar_enable_qi sets IQA.DW and QS=1 — 256-bit ones in two pages, each descriptor's words 2 and 3
 * zero unless it has them (qi_submit_sync copies 1 << qi_shift bytes of a zeroed struct qi_desc).
 */
public final class QueuedInvalidator implements Invalidator {
  /** QI_LENGTH: 256 descriptors with QS=0. */
  public static final int LENGTH = 256;
  static final int FREE = 0;
  static final int IN_USE = 1;
  static final int ABORT = 3;

  private final UnitMmio mmio;
  private final GuestMemory memory;
  private final long queueBase;
  private final long statusBase;
  private final boolean wide;
  private final ReentrantLock qLock = new ReentrantLock();
  private int freeHead;
  private int freeTail;
  private int freeCount = LENGTH;

  /**
   * @param queueBase the 4 KiB queue page (already zeroed, IQA programmed by the caller)
   * @param statusBase a 4 KiB page holding one 32-bit status word per slot (Linux's desc_status)
   */
  public QueuedInvalidator(UnitMmio mmio, GuestMemory memory, long queueBase, long statusBase) {
    this(mmio, memory, queueBase, statusBase, false);
  }

  /**
   * @param wide 256-bit descriptors (IQA.DW=1): the queue is two contiguous pages
   */
  public QueuedInvalidator(UnitMmio mmio, GuestMemory memory, long queueBase, long statusBase, boolean wide) {
    this.mmio = mmio;
    this.memory = memory;
    this.queueBase = queueBase;
    this.statusBase = statusBase;
    this.wide = wide;
  }

  /** Whether descriptors are 256 bits (IQA.DW=1). */
  public boolean wide() {
    return wide;
  }

  @Override
  public boolean queued() {
    return true;
  }

  /** Guest-physical address of the status word of slot {@code index}. */
  public long statusAddress(int index) {
    return statusBase + 4L * index;
  }

  private int status(int index) {
    return memory.read32(statusAddress(index));
  }

  private void setStatus(int index, int value) {
    memory.write32(statusAddress(index), value);
  }

  private void writeSlot(int index, long lo, long hi) {
    long a = InvalidationQueueRegisters.descriptorAddress(queueBase, index, wide);
    memory.write64(a, lo);
    memory.write64(a + 8, hi);
    if (wide) {
      memory.write64(a + 16, 0);
      memory.write64(a + 24, 0);
    }
  }

  @Override
  public void submit(List<InvalidationDescriptor> descriptors) {
    submit(descriptors, 0, 0);
  }

  @Override
  public void submitOne(long lo, long hi) {
    submit(null, lo, hi);
  }

  /** {@code descriptors}, or when null the one descriptor {@code lo, hi}, then a wait. */
  private void submit(List<InvalidationDescriptor> descriptors, long lo, long hi) {
    int count = descriptors == null ? 1 : descriptors.size();
    if (count < 1 || count + 2 > LENGTH) {
      throw new IllegalArgumentException("a submission holds 1.." + (LENGTH - 2) + " descriptors, got " + count);
    }
    qLock.lock();
    try {
      while (true) {
        if (freeCount < count + 2) {
          throw new IllegalStateException("invalidation queue has only " + freeCount + " free slots");
        }
        int index = freeHead;
        int waitIndex = (index + count) % LENGTH;
        for (int i = 0; i < count; i++) {
          int slot = (index + i) % LENGTH;
          if (descriptors == null) {
            writeSlot(slot, lo, hi);
          } else {
            InvalidationDescriptor d = descriptors.get(i);
            writeSlot(slot, d.lo(), d.hi());
          }
          setStatus(slot, IN_USE);
        }
        // the wait: SW=1, QI_DONE to the wait slot's status word (InvalidationWait.statusWrite's words)
        writeSlot(waitIndex, InvalidationWait.statusWriteLo(InvalidationWait.QI_DONE), statusAddress(waitIndex));
        setStatus(waitIndex, IN_USE);
        freeHead = (freeHead + count + 1) % LENGTH;
        freeCount -= count + 1;
        // writel(qi->free_head << shift, iommu->reg + DMAR_IQT_REG): a 32-bit write in every era (dmar.c)
        mmio.write32(Registers.IQT, (int) InvalidationQueueRegisters.indexToRegister(freeHead, wide));

        int rc = 0;
        int polls = 0;
        while (status(waitIndex) != InvalidationWait.QI_DONE) {
          rc = checkFault(index, waitIndex);
          if (rc != 0) break;
          if (++polls >= mmio.waitBound()) {
            throw new DriverTimeoutException(String.format(
                "invalidation wait at queue slot %d not completed after %d polls (IQT=0x%x)",
                waitIndex, polls, InvalidationQueueRegisters.indexToRegister(freeHead, wide)));
          }
          // Linux drops q_lock between polls; other submitters here are serialised by the driver
          qLock.unlock();
          Thread.yield();
          qLock.lock();
        }
        for (int i = 0; i <= count; i++) setStatus((index + i) % LENGTH, InvalidationWait.QI_DONE);
        reclaim();
        if (rc == EAGAIN) continue;
        if (rc == EINVAL) {
          throw new QueueErrorException(String.format(
              "invalidation queue error (IQE) at slot %d: descriptor lo=0x%x hi=0x%x rejected",
              index, descriptors == null ? lo : descriptors.get(0).lo(), descriptors == null ? hi : descriptors.get(0).hi()));
        }
        return;
      }
    } finally {
      qLock.unlock();
    }
  }

  static final int EINVAL = -22;
  static final int EAGAIN = -11;

  private void reclaim() {
    while (freeCount < LENGTH) {
      int s = status(freeTail);
      if (s != InvalidationWait.QI_DONE && s != ABORT) break;
      setStatus(freeTail, FREE);
      freeTail = (freeTail + 1) % LENGTH;
      freeCount++;
    }
  }

  /** As Linux's qi_check_fault: IQE repairs the queue, ITE aborts pending pairs, ICE is cleared. */
  private int checkFault(int index, int waitIndex) {
    int fsts = mmio.read32(Registers.FSTS);
    if ((fsts & FaultStatus.IQE) != 0) {
      int head = InvalidationQueueRegisters.registerToIndex(mmio.read64(Registers.IQH), wide);
      if (head == index) {
        // overwrite the rejected descriptor with a copy of our wait, then clear IQE
        long w = InvalidationQueueRegisters.descriptorAddress(queueBase, waitIndex, wide);
        writeSlot(index, memory.read64(w), memory.read64(w + 8));
        mmio.write32(Registers.FSTS, FaultStatus.IQE);
        return EINVAL;
      }
    }
    if ((fsts & FaultStatus.ITE) != 0) {
      int head = InvalidationQueueRegisters.registerToIndex(mmio.read64(Registers.IQH), wide);
      head = ((head - 1 + LENGTH) % LENGTH) | 1;
      int tail = InvalidationQueueRegisters.registerToIndex(mmio.read64(Registers.IQT), wide);
      tail = (tail - 1 + LENGTH) % LENGTH;
      mmio.write32(Registers.FSTS, FaultStatus.ITE);
      do {
        if (status(head) == IN_USE) setStatus(head, ABORT);
        head = (head - 2 + LENGTH) % LENGTH;
      } while (head != tail && head != (tail | 1));
      if (status(waitIndex) == ABORT) return EAGAIN;
    }
    if ((fsts & FaultStatus.ICE) != 0) {
      mmio.write32(Registers.FSTS, FaultStatus.ICE);
    }
    return 0;
  }
}
