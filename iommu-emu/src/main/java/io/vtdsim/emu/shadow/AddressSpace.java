package io.vtdsim.emu.shadow;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.CachingModeShadow.Mode;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.emu.spec.SourceId;

/**
 * One assigned device's DMA address space, as QEMU's VTDAddressSpace seen by vfio: the IOMMU region
 * covers [0, 2^64) with the interrupt window ({@link InterruptRange}) overlaid, so vfio registers two
 * notifiers — below and above the window. Every notifier event is cropped to the notifier it reaches
 * (QEMU crops since 2025; earlier it asserted) and, when cropping leaves a piece that is not a
 * naturally aligned power of two, cut into aligned blocks, so every {@code shadow.notify} event and
 * every host call is one naturally aligned slot.
 */
final class AddressSpace {
  /** Exclusive end used for the upper notifier (QEMU: 2^64 − 1 inclusive; IOVAs here stay below 2^57). */
  static final long UPPER_END = Long.MAX_VALUE;

  final SourceId sid;
  final String device;
  final HostContainer container;
  final IovaTree tree = new IovaTree();
  Mode mode;
  /**
   * The present context entry (scalable mode: the RID_PASID's PASID entry) last read for this
   * device, kept until a context-cache invalidation that covers the device, SRTP or TE (spec 6.5.1:
   * software invalidates the context cache after changing a context entry) or, in scalable mode, a
   * PASID-cache invalidation covering it; null when not cached.
   */
  ShadowContext context;
  /** A MAP reached the host since the notifier ranges were last unmapped as a whole. */
  boolean mappedSinceFullUnmap;

  private final EventLog log;
  /** The two IOVA-tree sinks of this address space, made once (a walk per invalidation builds none). */
  private GuestTableWalker.SlotSink treeSinkUnmapping;
  private GuestTableWalker.SlotSink treeSinkMapOnly;

  AddressSpace(SourceId sid, HostContainer container, EventLog log) {
    this.sid = sid;
    this.device = sid.toString();
    this.container = container;
    this.log = log;
  }

  /** vtd_page_walk_one through this address space's IOVA tree, with or without notify_unmap. */
  GuestTableWalker.SlotSink treeSink(boolean notifyUnmap) {
    if (notifyUnmap) {
      if (treeSinkUnmapping == null) treeSinkUnmapping = CachingModeShadow.treeSink(this, true);
      return treeSinkUnmapping;
    }
    if (treeSinkMapOnly == null) treeSinkMapOnly = CachingModeShadow.treeSink(this, false);
    return treeSinkMapOnly;
  }

  /** Sends a MAP notifier event (and the host call) for the aligned slot, per notifier. */
  void notifyMap(long iova, long gpa, long size, int perm) {
    mappedSinceFullUnmap = true;
    if (insideOneNotifier(iova, size)) { // the slot itself: no piece to cut, no lambda
      mapPiece(iova, gpa, size, perm);
      return;
    }
    forEachNotifierPiece(iova, size, (s, z) -> mapPiece(s, gpa + (s - iova), z, perm));
  }

  private void mapPiece(long s, long target, long z, int perm) {
    boolean r = (perm & GuestTableWalker.PERM_READ) != 0;
    boolean w = (perm & GuestTableWalker.PERM_WRITE) != 0;
    emitNotify(true, s, target, z, r, w);
    container.map(s, target, z, r, w);
  }

  private static boolean insideOneNotifier(long iova, long size) {
    long end = iova + size;
    return end <= InterruptRange.START || iova >= InterruptRange.END;
  }

  /** Sends an UNMAP notifier event (and the host call) for the aligned slot, per notifier. */
  void notifyUnmap(long iova, long size) {
    if (insideOneNotifier(iova, size)) {
      unmapChunk(iova, size);
      return;
    }
    forEachNotifierPiece(iova, size, (s, z) -> {
      emitNotify(false, s, 0, z, false, false);
      container.unmap(s, z);
    });
  }

  /**
   * QEMU's {@code vtd_address_space_unmap}: each notifier's whole range, clamped to 2^aw, as UNMAP
   * events in aligned power-of-two chunks ({@code dma_aligned_pow2_mask}); then the IOVA tree is
   * emptied.
   */
  void unmapNotifierRanges(int awBits) {
    long limit = 1L << awBits;
    AlignedChunks.forEach(0, Math.min(InterruptRange.START, limit), this::unmapChunk);
    if (limit > InterruptRange.END) AlignedChunks.forEach(InterruptRange.END, limit, this::unmapChunk);
    tree.clear();
    mappedSinceFullUnmap = false;
  }

  private void unmapChunk(long start, long size) {
    emitNotify(false, start, 0, size, false, false);
    container.unmap(start, size);
  }

  /**
   * vfio's region_del of the IOMMU sections when the device leaves translation: the notifier ranges
   * are unmapped in aligned chunks (host calls only, not notifier events). Skipped when nothing was
   * mapped since the last full unmap (the range is known to be empty).
   */
  void unmapIommuSections(int awBits) {
    if (mappedSinceFullUnmap) {
      long limit = 1L << awBits;
      AlignedChunks.forEach(0, Math.min(InterruptRange.START, limit), container::unmap);
      if (limit > InterruptRange.END) AlignedChunks.forEach(InterruptRange.END, limit, container::unmap);
    }
    tree.clear();
    mappedSinceFullUnmap = false;
  }

  /** vfio's region_add of guest RAM with DMA remapping off: RAM 1:1, split around the window, in aligned chunks. */
  void mapIdentity(GuestMemory memory) {
    forEachIdentityChunk(memory, (s, z) -> container.map(s, s, z, true, true));
  }

  /** vfio's region_del of guest RAM: unmaps exactly the identity chunks. */
  void unmapIdentity(GuestMemory memory) {
    forEachIdentityChunk(memory, container::unmap);
  }

  private static void forEachIdentityChunk(GuestMemory memory, AlignedChunks.Sink sink) {
    for (RamRegion r : memory.regions()) {
      long lowEnd = Math.min(r.end(), InterruptRange.START);
      if (r.base() < lowEnd) AlignedChunks.forEach(r.base(), lowEnd, sink);
      long highStart = Math.max(r.base(), InterruptRange.END);
      if (highStart < r.end()) AlignedChunks.forEach(highStart, r.end(), sink);
    }
  }

  private static void forEachNotifierPiece(long iova, long size, AlignedChunks.Sink sink) {
    long end = iova + size;
    if (end <= InterruptRange.START || iova >= InterruptRange.END) {
      sink.chunk(iova, size); // inside one notifier: the slot itself
      return;
    }
    if (iova < InterruptRange.START) AlignedChunks.forEach(iova, InterruptRange.START, sink);
    if (end > InterruptRange.END) AlignedChunks.forEach(Math.max(iova, InterruptRange.END), end, sink);
  }

  private void emitNotify(boolean map, long iova, long gpa, long size, boolean r, boolean w) {
    if (log.building()) log.emit(CachingModeShadow.SOURCE, new EventBody.ShadowNotify(device, map, iova, gpa, size, r, w));
    else log.intake().shadowNotify(iova, size);
  }

}
