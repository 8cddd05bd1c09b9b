package io.vtdsim.emu.spec;

/**
 * The Capability register (CAP, offset 0x08), VT-d spec 11.4.2. Encode/decode as a record.
 *
 * @param nd number of domains supported: 2^(4+2·ND) domain IDs (bits 2:0)
 * @param afl advanced fault logging (3)
 * @param rwbf required write-buffer flushing (4)
 * @param plmr protected low-memory region (5)
 * @param phmr protected high-memory region (6)
 * @param cm caching mode (7): not-present and erroneous entries may be cached
 * @param sagaw supported adjusted guest address widths, bit n = agaw n (12:8): bit 1 = 39-bit
 *     3-level, bit 2 = 48-bit 4-level, bit 3 = 57-bit 5-level
 * @param mgaw maximum guest address width minus one, as encoded (21:16)
 * @param zlr zero-length read (22)
 * @param fro fault-recording register offset in 16-byte units (33:24)
 * @param sllps second-level large page support (37:34): bit 0 = 2 MiB, bit 1 = 1 GiB
 * @param psi page-selective invalidation (39)
 * @param nfr number of fault-recording registers minus one (47:40)
 * @param mamv maximum address mask value for PSI (53:48)
 * @param dwd write draining (54)
 * @param drd read draining (55)
 * @param fl1gp first-level 1 GiB pages (56)
 * @param pi posted interrupts (59)
 * @param fl5lp first-level 5-level paging (60)
 * @param esirtps enhanced set interrupt root table pointer support (62)
 * @param esrtps enhanced set root table pointer support (63): SRTP invalidates the caches itself
 */
public record Capability(
    int nd,
    boolean afl,
    boolean rwbf,
    boolean plmr,
    boolean phmr,
    boolean cm,
    int sagaw,
    int mgaw,
    boolean zlr,
    int fro,
    int sllps,
    boolean psi,
    int nfr,
    int mamv,
    boolean dwd,
    boolean drd,
    boolean fl1gp,
    boolean pi,
    boolean fl5lp,
    boolean esirtps,
    boolean esrtps) {

  public static final int SAGAW_39 = 1 << 1;
  public static final int SAGAW_48 = 1 << 2;
  public static final int SAGAW_57 = 1 << 3;
  public static final int SLLPS_2M = 1;
  public static final int SLLPS_1G = 2;

  public Capability {
    check("nd", nd, 7);
    check("sagaw", sagaw, 0x1F);
    check("mgaw", mgaw, 0x3F);
    check("fro", fro, 0x3FF);
    check("sllps", sllps, 0xF);
    check("nfr", nfr, 0xFF);
    check("mamv", mamv, 0x3F);
  }

  private static void check(String name, int v, int max) {
    if (v < 0 || v > max) {
      throw new IllegalArgumentException("CAP." + name + " out of range: " + v);
    }
  }

  public long encode() {
    long v = 0;
    v = Bits.set(v, 2, 0, nd);
    v |= Bits.bit(afl, 3) | Bits.bit(rwbf, 4) | Bits.bit(plmr, 5) | Bits.bit(phmr, 6);
    v |= Bits.bit(cm, 7);
    v = Bits.set(v, 12, 8, sagaw);
    v = Bits.set(v, 21, 16, mgaw);
    v |= Bits.bit(zlr, 22);
    v = Bits.set(v, 33, 24, fro);
    v = Bits.set(v, 37, 34, sllps);
    v |= Bits.bit(psi, 39);
    v = Bits.set(v, 47, 40, nfr);
    v = Bits.set(v, 53, 48, mamv);
    v |= Bits.bit(dwd, 54) | Bits.bit(drd, 55) | Bits.bit(fl1gp, 56);
    v |= Bits.bit(pi, 59) | Bits.bit(fl5lp, 60) | Bits.bit(esirtps, 62) | Bits.bit(esrtps, 63);
    return v;
  }

  public static Capability decode(long v) {
    return new Capability(
        (int) Bits.get(v, 2, 0),
        Bits.bit(v, 3),
        Bits.bit(v, 4),
        Bits.bit(v, 5),
        Bits.bit(v, 6),
        Bits.bit(v, 7),
        (int) Bits.get(v, 12, 8),
        (int) Bits.get(v, 21, 16),
        Bits.bit(v, 22),
        (int) Bits.get(v, 33, 24),
        (int) Bits.get(v, 37, 34),
        Bits.bit(v, 39),
        (int) Bits.get(v, 47, 40),
        (int) Bits.get(v, 53, 48),
        Bits.bit(v, 54),
        Bits.bit(v, 55),
        Bits.bit(v, 56),
        Bits.bit(v, 59),
        Bits.bit(v, 60),
        Bits.bit(v, 62),
        Bits.bit(v, 63));
  }

  /** Number of domain IDs: 2^(4+2·ND). */
  public int domainCount() {
    return 1 << (4 + 2 * nd);
  }

  /** Maximum guest address width in bits (MGAW + 1). */
  public int guestAddressWidth() {
    return mgaw + 1;
  }

  public boolean supportsAgaw(int agaw) {
    return agaw >= 0 && agaw < 5 && (sagaw & (1 << agaw)) != 0;
  }

  public boolean supports2M() {
    return (sllps & SLLPS_2M) != 0;
  }

  public boolean supports1G() {
    return (sllps & SLLPS_2M) != 0 && (sllps & SLLPS_1G) != 0;
  }

  /** A builder starting from this value. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Sets fields one by one; {@link #build} range-checks as the constructor does. */
  public static final class Builder {
    private int nd;
    private boolean afl;
    private boolean rwbf;
    private boolean plmr;
    private boolean phmr;
    private boolean cm;
    private int sagaw;
    private int mgaw;
    private boolean zlr;
    private int fro;
    private int sllps;
    private boolean psi;
    private int nfr;
    private int mamv;
    private boolean dwd;
    private boolean drd;
    private boolean fl1gp;
    private boolean pi;
    private boolean fl5lp;
    private boolean esirtps;
    private boolean esrtps;

    private Builder(Capability c) {
      nd = c.nd;
      afl = c.afl;
      rwbf = c.rwbf;
      plmr = c.plmr;
      phmr = c.phmr;
      cm = c.cm;
      sagaw = c.sagaw;
      mgaw = c.mgaw;
      zlr = c.zlr;
      fro = c.fro;
      sllps = c.sllps;
      psi = c.psi;
      nfr = c.nfr;
      mamv = c.mamv;
      dwd = c.dwd;
      drd = c.drd;
      fl1gp = c.fl1gp;
      pi = c.pi;
      fl5lp = c.fl5lp;
      esirtps = c.esirtps;
      esrtps = c.esrtps;
    }

    public Builder nd(int v) {
      nd = v;
      return this;
    }

    public Builder afl(boolean v) {
      afl = v;
      return this;
    }

    public Builder rwbf(boolean v) {
      rwbf = v;
      return this;
    }

    public Builder plmr(boolean v) {
      plmr = v;
      return this;
    }

    public Builder phmr(boolean v) {
      phmr = v;
      return this;
    }

    public Builder cm(boolean v) {
      cm = v;
      return this;
    }

    public Builder sagaw(int v) {
      sagaw = v;
      return this;
    }

    public Builder mgaw(int v) {
      mgaw = v;
      return this;
    }

    public Builder zlr(boolean v) {
      zlr = v;
      return this;
    }

    public Builder fro(int v) {
      fro = v;
      return this;
    }

    public Builder sllps(int v) {
      sllps = v;
      return this;
    }

    public Builder psi(boolean v) {
      psi = v;
      return this;
    }

    public Builder nfr(int v) {
      nfr = v;
      return this;
    }

    public Builder mamv(int v) {
      mamv = v;
      return this;
    }

    public Builder dwd(boolean v) {
      dwd = v;
      return this;
    }

    public Builder drd(boolean v) {
      drd = v;
      return this;
    }

    public Builder fl1gp(boolean v) {
      fl1gp = v;
      return this;
    }

    public Builder pi(boolean v) {
      pi = v;
      return this;
    }

    public Builder fl5lp(boolean v) {
      fl5lp = v;
      return this;
    }

    public Builder esirtps(boolean v) {
      esirtps = v;
      return this;
    }

    public Builder esrtps(boolean v) {
      esrtps = v;
      return this;
    }

    public Capability build() {
      return new Capability(nd, afl, rwbf, plmr, phmr, cm, sagaw, mgaw, zlr, fro, sllps, psi, nfr, mamv, dwd, drd,
          fl1gp, pi, fl5lp, esirtps, esrtps);
    }
  }

  public Capability withCm(boolean on) {
    return toBuilder().cm(on).build();
  }

  public Capability withPsi(boolean on) {
    return toBuilder().psi(on).build();
  }

  public Capability withMamv(int value) {
    return toBuilder().mamv(value).build();
  }

  public Capability withSllps(int value) {
    return toBuilder().sllps(value).build();
  }

  public Capability withRwbf(boolean on) {
    return toBuilder().rwbf(on).build();
  }

  public Capability withEsrtps(boolean on) {
    return toBuilder().esrtps(on).build();
  }

  public Capability withNfr(int value) {
    return toBuilder().nfr(value).build();
  }

  /** Address width: sets SAGAW to every level up to {@code bits} and MGAW = bits−1 (39, 48 or 57). */
  public Capability withAddressWidth(int bits) {
    int s = switch (bits) {
      case 39 -> SAGAW_39;
      case 48 -> SAGAW_39 | SAGAW_48;
      case 57 -> SAGAW_39 | SAGAW_48 | SAGAW_57;
      default -> throw new IllegalArgumentException("aw-bits must be 39, 48 or 57, got " + bits);
    };
    return toBuilder().sagaw(s).mgaw(bits - 1).build();
  }
}
