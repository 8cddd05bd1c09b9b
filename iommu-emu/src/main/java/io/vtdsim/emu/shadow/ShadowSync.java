package io.vtdsim.emu.shadow;

import java.util.List;
import java.util.Locale;

/**
 * How invalidations become host MAP/UNMAP calls — a named, documented historical algorithm, chosen
 * per machine ({@code --shadow-sync iova-tree}). The common machinery (address spaces, TE/SRTP
 * refresh, identity switching, the table walk) lives in {@link CachingModeShadow}; a strategy
 * decides what each invalidation does to the address spaces it concerns. Strategies keep no state
 * of their own (the IOVA tree belongs to the address space), so one instance may serve one shadow.
 *
 * <ul>
 *   <li>{@code psi-only} — the January 2017 RFC v3 (seed thread): PSI walks its range; DSI, global
 *       and context invalidations are ignored.
 *   <li>{@code unmap-all-replay} — QEMU from April 2017 (dd4d607e40): PSI walks its range; DSI,
 *       global and context invalidations unmap everything and replay all mappings.
 *   <li>{@code iova-tree} — QEMU since May 2018 (63b88968f1) with the 2018 and 2023 fixes: a
 *       per-address-space IOVA tree filters the walk's events; DSI/global re-sync without unmapping.
 * </ul>
 */
public abstract sealed class ShadowSync permits PsiOnlySync, UnmapAllReplaySync, IovaTreeSync {
  /** The user-facing strategy names. */
  public static final List<String> NAMES = List.of("psi-only", "unmap-all-replay", "iova-tree");

  ShadowSync() {}

  /** The user-facing name. */
  public abstract String name();

  /** A fresh strategy by its user-facing name. */
  public static ShadowSync named(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    return switch (n) {
      case "psi-only" -> new PsiOnlySync();
      case "unmap-all-replay" -> new UnmapAllReplaySync();
      case "iova-tree" -> new IovaTreeSync();
      default -> throw new IllegalArgumentException(
          "unknown shadow sync strategy '" + name + "'; known: " + String.join(", ", NAMES));
    };
  }

  /** A PSI of [start, end) for a translated address space whose current context has the DID. */
  abstract void pageInvalidated(CachingModeShadow shadow, AddressSpace as, ShadowContext ce, long start, long end);

  /** An IOTLB DSI for a translated address space whose current context has the DID. */
  abstract void domainInvalidated(CachingModeShadow shadow, AddressSpace as);

  /** An IOTLB global invalidation, once per translated address space. */
  abstract void globalIotlbInvalidated(CachingModeShadow shadow, AddressSpace as);

  /** A device-selective context-cache invalidation matching this address space (any mode). */
  abstract void deviceContextInvalidated(CachingModeShadow shadow, AddressSpace as);

  /** A global or domain-selective context-cache invalidation (QEMU treats both as global). */
  abstract void allContextsInvalidated(CachingModeShadow shadow, List<AddressSpace> spaces);

  /** vfio's replay when an address space becomes translated (attach, or a switch from identity). */
  abstract void replay(CachingModeShadow shadow, AddressSpace as);

  @Override
  public String toString() {
    return name();
  }
}
