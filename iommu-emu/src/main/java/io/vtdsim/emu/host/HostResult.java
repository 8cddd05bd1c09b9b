package io.vtdsim.emu.host;

import io.vtdsim.emu.spec.Page;

/**
 * Outcome of one host call, as the ioctl returns it.
 *
 * @param ok true when the call succeeded
 * @param errno the error when refused (null when ok)
 * @param size bytes mapped (MAP) or unmapped (UNMAP; 0 when nothing was covered)
 */
public record HostResult(boolean ok, Errno errno, long size) {
  /** The errno values the host model can return. */
  public enum Errno {
    /** MAP overlapping an existing mapping. */
    EEXIST,
    /** Misaligned or empty range, no permission, or an UNMAP that would bisect a mapping. */
    EINVAL,
    /** iommufd: UNMAP that covered no mapping, or that would cut a mapping (iopt_unmap_iova_range). */
    ENOENT,
    /** vfio type1: MAP with dma_entry_limit mappings already held (vfio_dma_do_map). */
    ENOSPC,
    /** iommufd: MAP whose pinned pages would exceed the locked-memory limit (incr_user_locked_vm). */
    ENOMEM,
    /** The VMM could not translate the target: not guest RAM (QEMU refuses before the ioctl). */
    EFAULT,
    /** iommufd: a request the driver does not support (e.g. unknown invalidation flags). */
    EOPNOTSUPP
  }

  private static final HostResult OK_4K = new HostResult(true, null, Page.SIZE);
  private static final HostResult[] ERRORS = new HostResult[Errno.values().length];

  static {
    for (Errno e : Errno.values()) ERRORS[e.ordinal()] = new HostResult(false, e, 0);
  }

  /** Success with {@code size} bytes (a 4 KiB result is shared: a value, nothing allocated). */
  public static HostResult success(long size) {
    return size == Page.SIZE ? OK_4K : new HostResult(true, null, size);
  }

  /** A refusal (one shared value per errno). */
  public static HostResult error(Errno errno) {
    return ERRORS[errno.ordinal()];
  }

  /** "ok" or the errno name, as events print it. */
  public String label() {
    return ok ? "ok" : errno.name();
  }
}
