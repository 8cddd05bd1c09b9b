package io.vtdsim.harness.machine;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.AlignedChunks;
import io.vtdsim.emu.spec.InterruptRange;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One assigned device's view of QEMU's nodmar alias: while its address space is not translated (TE
 * off, or a pass-through context), QEMU's vfio listener maps the machine's RAM sections — split by
 * the PAM regions, plus the BIOS ROM (QEMU notes, section 3) — maps that belong to no guest IOVA.
 * They are accounted as the model's shadow accounts TE-off identity (AddressSpace.mapIdentity):
 * while any alias range is mapped, the container holds guest RAM 1:1 in aligned chunks around the
 * interrupt window; when the last alias range goes, so does that identity map.
 *
 * <p>Not thread-safe: QemuMachine calls it under its lock.
 */
final class NodmarAlias {
  private final String device;
  private final EventLog log;
  private final Set<List<Long>> ranges = new HashSet<>();
  private HostContainer container;
  private GuestMemory memory;
  private boolean identityMapped;

  NodmarAlias(String device, EventLog log) {
    this.device = device;
    this.log = log;
  }

  /** From now on the alias is accounted in {@code container} (before: QEMU's start, only recorded). */
  void attach(HostContainer container, GuestMemory memory) {
    this.container = container;
    this.memory = memory;
    if (!ranges.isEmpty()) mapIdentity();
  }

  /** QEMU mapped a RAM section while the address space is the alias. */
  void map(long iova, long gpa, long size, boolean read, boolean write) {
    ranges.add(List.of(iova, size));
    log.emit(QemuMachine.EV_ALIAS, QemuMachine.SOURCE, String.format("%s: nodmar alias map 0x%x+0x%x -> 0x%x %s%s",
            device, iova, size, gpa, read ? "r" : "-", write ? "w" : "-"),
        Attrs.of("device", device, "op", "map", "iova", iova, "size", size, "gpa", gpa, "read", read, "write", write));
    if (container != null && !identityMapped) mapIdentity();
  }

  /** An unmap of exactly a recorded alias range is the alias's (true); anything else is not (false). */
  boolean unmap(long iova, long size) {
    if (!ranges.remove(List.of(iova, size))) return false;
    log.emit(QemuMachine.EV_ALIAS, QemuMachine.SOURCE, String.format("%s: nodmar alias unmap 0x%x+0x%x", device, iova, size),
        Attrs.of("device", device, "op", "unmap", "iova", iova, "size", size));
    if (ranges.isEmpty() && identityMapped) {
      identityChunks(container::unmap);
      identityMapped = false;
    }
    return true;
  }

  private void mapIdentity() {
    identityChunks((s, z) -> container.map(s, s, z, true, true));
    identityMapped = true;
  }

  /** Guest RAM 1:1, split around the interrupt window, in aligned chunks (as the model's AddressSpace). */
  private void identityChunks(AlignedChunks.Sink sink) {
    for (RamRegion r : memory.regions()) {
      long lowEnd = Math.min(r.end(), InterruptRange.START);
      if (r.base() < lowEnd) AlignedChunks.forEach(r.base(), lowEnd, sink);
      long highStart = Math.max(r.base(), InterruptRange.END);
      if (highStart < r.end()) AlignedChunks.forEach(highStart, r.end(), sink);
    }
  }
}
