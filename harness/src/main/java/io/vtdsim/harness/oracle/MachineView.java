package io.vtdsim.harness.oracle;

import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.vtd.VtdUnit;

/**
 * The few facts of the remapping unit the oracle needs: whether translation is on and the latched
 * root-table address (the state a DMA request is translated against), plus the static capabilities
 * its reference walker checks entries against. Nothing here translates.
 */
public interface MachineView {
  /** GSTS.TES. */
  boolean translationEnabled();

  /** The root-table address latched by the last SRTP. */
  long rootTableAddress();

  /** Host address width (HAW): bits above it are reserved in table pointers and PTE addresses. */
  int hostAddressWidth();

  /** Maximum guest address width in bits (MGAW + 1): IOVAs at or above 2^min(AGAW, this) fault. */
  int guestAddressWidth();

  /** CAP.SLLPS 2 MiB: a PS=1 level-2 entry is a leaf; otherwise PS is reserved there. */
  boolean superpage2M();

  /** CAP.SLLPS 1 GiB. */
  boolean superpage1G();

  /** ECAP.SC: the SNP bit is defined (not reserved). */
  boolean snoopControl();

  /** The translation table mode (RTADDR.TTM) latched by the last SRTP; legacy unless told otherwise. */
  default RootTableAddress.Mode rootTableMode() {
    return RootTableAddress.Mode.LEGACY;
  }

  /** CAP.FS1GP: a PS=1 first-stage PDPE is a 1 GiB leaf; otherwise PS is reserved there. */
  default boolean firstStage1G() {
    return false;
  }

  /** The view of an emulated unit (its TE state and latched root pointer; capabilities from its config). */
  static MachineView of(VtdUnit unit) {
    return new UnitMachineView(unit, unit.config());
  }
}
