package io.vtdsim.driver.flush;

import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.FlushPolicyName;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.Page;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses PSI, DSI or global for an IOTLB flush of a page range, per era and policy (iommu_flush_iotlb_psi in
 * drivers/iommu/intel/iommu.c, cache_tag_flush_range in intel/cache.c since 6.10): AM = log2(roundup_pow_of_two(pages)), the ≥5.18 unaligned correction, DSI when !CAP.PSI or
 * AM > CAP.MAMV; 6.10+ aligns the address down to the mask.
 */
public final class FlushPolicy {
  private final DriverPreset preset;
  private final FlushPolicyName name;
  private final Capability cap;

  public FlushPolicy(DriverPreset preset, FlushPolicyName name, Capability cap) {
    this.preset = preset;
    this.name = name;
    this.cap = cap;
  }

  public FlushPolicyName name() {
    return name;
  }

  /**
   * Flushes for [pfn, pfn+pages) of domain {@code did}.
   *
   * @param ih only leaves changed (no table page freed)
   * @param map the range went from non-present to present (the CM map flush)
   */
  public List<Flush> range(int did, long pfn, long pages, boolean ih, boolean map) {
    if (pages < 1) throw new IllegalArgumentException("pages must be ≥ 1: " + pages);
    switch (name) {
      case GLOBAL:
        return List.of(new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false, "policy global: " + range(pfn, pages) + " → global"));
      case ALWAYS_DSI:
        return List.of(new Flush(Flush.Kind.DSI, did, 0, 0, false, "policy always-dsi: " + range(pfn, pages) + " → DSI"));
      case NO_MAP_FLUSH:
        if (map) {
          return List.of(new Flush(Flush.Kind.NONE, did, pfn << Page.SHIFT, 0, false,
              "policy no-map-flush: no invalidation after non-present→present (" + range(pfn, pages) + ")"));
        }
        break;
      case STRICT_PSI:
        return split(did, pfn, pages, ih, range(pfn, pages));
      default:
        break;
    }
    boolean correct = corrects();
    int plain = PsiMask.of(pages);
    int am = correct ? PsiMask.corrected(pfn, pages) : plain;
    int mamv = cap.mamv();
    if (!cap.psi()) {
      return List.of(new Flush(Flush.Kind.DSI, did, 0, 0, false, why(pfn, pages, plain, am) + ", CAP.PSI=0 → DSI"));
    }
    if (am > mamv) {
      return List.of(new Flush(Flush.Kind.DSI, did, 0, 0, false,
          why(pfn, pages, plain, am) + ", AM " + am + " > MAMV " + mamv + " → DSI"));
    }
    long address = psiAddress(pfn, am);
    boolean undershoots = (pfn & ((1L << am) - 1)) != 0 && !correct;
    // the PSI path is the hot one: its reason is rendered only when someone reads it
    Flush.Why psiWhy = () -> why(pfn, pages, plain, am)
        + (undershoots ? " (unaligned base: the mask undershoots the range end)" : "");
    Flush psi = new Flush(Flush.Kind.PSI, did, address, am, ih, () -> psiWhy.text() + " ≤ MAMV " + mamv + " → PSI");
    if (name == FlushPolicyName.DUPLICATE_PSI) {
      return List.of(psi, new Flush(Flush.Kind.PSI, did, address, am, ih, () -> "policy duplicate-psi: " + psiWhy.text() + " (again)"));
    }
    return List.of(psi);
  }

  /** The ≥5.18 unaligned-base correction of AM applies (not under unaligned-undershoot). */
  private boolean corrects() {
    return preset.unalignedCorrection() && name != FlushPolicyName.UNALIGNED_UNDERSHOOT;
  }

  /**
   * The PSI address for a range from {@code pfn} with mask {@code am}: 6.10+ cache.c aligns ADDR down
   * to the mask; before (and so under unaligned-undershoot, the pre-5.18 rule) Linux sends first
   * pfn << Page.SHIFT as it is. The PSI covers the aligned 2^AM block that contains ADDR either way (VT-d
   * spec 6.5.2.3).
   */
  public long psiAddress(long pfn, int am) {
    long address = pfn << Page.SHIFT;
    if (preset.alignsPsiAddress() && name != FlushPolicyName.UNALIGNED_UNDERSHOOT) {
      address &= ~((1L << (Page.SHIFT + am)) - 1);
    }
    return address;
  }

  /**
   * The AM of the single PSI that {@link #range}{@code (did, pfn, pages, ih, map)} decides, or −1 when
   * it decides anything else (DSI, global, no flush, several PSIs, or an invalid range): with
   * {@link #psiAddress} the same decision, without its objects.
   */
  public int singlePsiMask(long pfn, long pages, boolean map) {
    if (pages < 1) return -1;
    switch (name) {
      case GLOBAL, ALWAYS_DSI, STRICT_PSI, DUPLICATE_PSI:
        return -1;
      case NO_MAP_FLUSH:
        if (map) return -1;
        break;
      default:
        break;
    }
    if (!cap.psi()) return -1;
    int am = corrects() ? PsiMask.corrected(pfn, pages) : PsiMask.of(pages);
    return am > cap.mamv() ? -1 : am;
  }

  private static String range(long pfn, long pages) {
    return "pfn 0x" + Long.toHexString(pfn) + " +" + pages;
  }

  private static String why(long pfn, long pages, int plain, int am) {
    return am != plain
        ? range(pfn, pages) + " unaligned: AM " + plain + " grows to " + am
        : range(pfn, pages) + ": AM " + am;
  }

  /** A flush of the whole domain (lazy flush-all, pages = −1 in 6.12): DSI, or global under policy global. */
  public Flush domain(int did, String reason) {
    if (name == FlushPolicyName.GLOBAL) return new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false, "policy global: " + reason);
    return new Flush(Flush.Kind.DSI, did, 0, 0, false, reason + " → DSI");
  }

  /**
   * A flush of the whole first-stage domain (intel_flush_iotlb_all / the flush queue's flush-all /
   * cache_tag_flush_all on a first-level domain): a PASID-selective PASID-based IOTLB invalidation of
   * (DID, PASID 0) — qi_flush_piotlb with npages −1 — or global under policy global.
   */
  public Flush firstStageDomain(int did, String reason) {
    if (name == FlushPolicyName.GLOBAL) return new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false, "policy global: " + reason);
    return new Flush(Flush.Kind.PASID_ALL, did, 0, 0, false, reason + " → PASID-selective PASID-based IOTLB");
  }

  /** Linux's MAX_AGAW_PFN_WIDTH: the largest AM a first-level flush is sent with. */
  private static final int MAX_AGAW_PFN_WIDTH = 52;

  /**
   * Flushes of [pfn, pfn+pages) of first-stage domain {@code did}: PASID-based IOTLB invalidations of
   * PASID 0, which know no MAMV and no DSI fallback (iommu_flush_iotlb_psi's first-level branch →
   * qi_flush_piotlb ≤6.9; cache_tag_flush_iotlb → qi_batch_add_piotlb 6.10+). AM =
   * log2(roundup_pow_of_two(pages)) and ADDR aligned down to it (qi_flush_piotlb's ALIGN_DOWN, with a
   * WARN): an unaligned range is under-invalidated before 6.10 — the 5.18 unaligned correction was in the
   * second-level branch only — while 6.10's calculate_psi_aligned_address grows AM as for the second
   * level. IH travels to the hardware.
   */
  public List<Flush> firstStageRange(int did, long pfn, long pages, boolean ih) {
    if (pages < 1) throw new IllegalArgumentException("pages must be ≥ 1: " + pages);
    switch (name) {
      case GLOBAL:
        return List.of(new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false, "policy global: " + range(pfn, pages) + " → global"));
      case ALWAYS_DSI:
        return List.of(firstStageDomain(did, "policy always-dsi: " + range(pfn, pages)));
      case STRICT_PSI: {
        List<Flush> out = new ArrayList<>();
        for (Flush f : split(did, pfn, pages, ih, range(pfn, pages))) {
          out.add(new Flush(Flush.Kind.PASID_PSI, did, f.address(), f.am(), ih, f.why()));
        }
        return out;
      }
      default:
        break;
    }
    int plain = PsiMask.of(pages);
    boolean correct = preset.alignsPsiAddress() && name != FlushPolicyName.UNALIGNED_UNDERSHOOT;
    int am = Math.min(MAX_AGAW_PFN_WIDTH, correct ? PsiMask.corrected(pfn, pages) : plain);
    long address = am >= MAX_AGAW_PFN_WIDTH ? 0 : (pfn << Page.SHIFT) & ~((1L << (Page.SHIFT + am)) - 1);
    boolean undershoots = (pfn & ((1L << am) - 1)) != 0 && !correct
        && ((pfn + pages - 1) >>> am) != (pfn >>> am);
    Flush.Why why = () -> why(pfn, pages, plain, am) + (undershoots
        ? " (unaligned base aligned down: the block ends before the range does, as Linux before 6.10)" : "")
        + " → PASID-based PSI (first stage: no MAMV)";
    Flush f = new Flush(Flush.Kind.PASID_PSI, did, address, am, ih, why);
    if (name == FlushPolicyName.DUPLICATE_PSI) {
      return List.of(f, new Flush(Flush.Kind.PASID_PSI, did, address, am, ih, () -> "policy duplicate-psi: " + why.text() + " (again)"));
    }
    return List.of(f);
  }

  /** strict-psi: naturally aligned power-of-two chunks, each with AM ≤ MAMV; never a DSI. */
  private List<Flush> split(int did, long pfn, long pages, boolean ih, String range) {
    List<Flush> out = new ArrayList<>();
    long p = pfn;
    long left = pages;
    int max = cap.mamv();
    while (left > 0) {
      int k = Math.min(max, p == 0 ? 63 : Long.numberOfTrailingZeros(p));
      while ((1L << k) > left) k--;
      out.add(new Flush(Flush.Kind.PSI, did, p << Page.SHIFT, k, ih,
          String.format("policy strict-psi: %s split, chunk pfn 0x%x AM %d ≤ MAMV %d", range, p, k, max)));
      p += 1L << k;
      left -= 1L << k;
    }
    return out;
  }
}
