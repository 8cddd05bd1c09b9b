package io.vtdsim.emu.spec;

/**
 * Register offsets of a VT-d remapping unit (VT-d spec chapter 11, "Register Descriptions"), relative
 * to the unit's MMIO base. The IOTLB pair and the fault-recording registers sit at offsets the unit
 * advertises (ECAP.IRO×16 and CAP.FRO×16); QEMU places them at 0xF0 and 0x220.
 */
public final class Registers {
  private Registers() {}

  /** Default MMIO base on q35 (as QEMU). */
  public static final long DEFAULT_BASE = 0xFED9_0000L;
  /** Size of the register window as QEMU's DMAR_REG_SIZE. */
  public static final int WINDOW_SIZE = 0x230;

  public static final int VER = 0x00; // 32
  public static final int CAP = 0x08; // 64
  public static final int ECAP = 0x10; // 64
  public static final int GCMD = 0x18; // 32
  public static final int GSTS = 0x1C; // 32
  public static final int RTADDR = 0x20; // 64
  public static final int CCMD = 0x28; // 64
  public static final int FSTS = 0x34; // 32
  public static final int FECTL = 0x38; // 32
  public static final int FEDATA = 0x3C; // 32
  public static final int FEADDR = 0x40; // 32
  public static final int FEUADDR = 0x44; // 32
  public static final int AFLOG = 0x58; // 64
  public static final int PMEN = 0x64; // 32
  public static final int PLMBASE = 0x68;
  public static final int PLMLIMIT = 0x6C;
  public static final int PHMBASE = 0x70; // 64
  public static final int PHMLIMIT = 0x78; // 64
  public static final int IQH = 0x80; // 64
  public static final int IQT = 0x88; // 64
  public static final int IQA = 0x90; // 64
  public static final int ICS = 0x9C; // 32
  public static final int IECTL = 0xA0; // 32
  public static final int IEDATA = 0xA4; // 32
  public static final int IEADDR = 0xA8; // 32
  public static final int IEUADDR = 0xAC; // 32
  public static final int IRTA = 0xB8; // 64

  /** IVA register offset given ECAP.IRO (IVA = IRO×16, IOTLB = IVA + 8). */
  public static int iva(int iro) {
    return iro * 16;
  }

  public static int iotlb(int iro) {
    return iro * 16 + 8;
  }

  /** Offset of fault-recording register {@code index} given CAP.FRO (each record is 128 bits). */
  public static int faultRecord(int fro, int index) {
    return fro * 16 + index * 16;
  }

  /** Register name for an offset (for traces), or hex when unknown. */
  public static String name(int offset, int iro, int fro, int nfr) {
    switch (offset) {
      case VER: return "VER";
      case CAP: return "CAP";
      case CAP + 4: return "CAP_HI";
      case ECAP: return "ECAP";
      case ECAP + 4: return "ECAP_HI";
      case GCMD: return "GCMD";
      case GSTS: return "GSTS";
      case RTADDR: return "RTADDR";
      case RTADDR + 4: return "RTADDR_HI";
      case CCMD: return "CCMD";
      case CCMD + 4: return "CCMD_HI";
      case FSTS: return "FSTS";
      case FECTL: return "FECTL";
      case FEDATA: return "FEDATA";
      case FEADDR: return "FEADDR";
      case FEUADDR: return "FEUADDR";
      case IQH: return "IQH";
      case IQT: return "IQT";
      case IQT + 4: return "IQT_HI";
      case IQA: return "IQA";
      case IQA + 4: return "IQA_HI";
      case ICS: return "ICS";
      case IECTL: return "IECTL";
      case IEDATA: return "IEDATA";
      case IEADDR: return "IEADDR";
      case IEUADDR: return "IEUADDR";
      case IRTA: return "IRTA";
      default:
        if (offset == iva(iro)) return "IVA";
        if (offset == iva(iro) + 4) return "IVA_HI";
        if (offset == iotlb(iro)) return "IOTLB";
        if (offset == iotlb(iro) + 4) return "IOTLB_HI";
        int fr = fro * 16;
        if (offset >= fr && offset < fr + (nfr + 1) * 16) {
          return "FRCD" + (offset - fr) / 16 + "+" + ((offset - fr) % 16);
        }
        return String.format("0x%03X", offset);
    }
  }
}
