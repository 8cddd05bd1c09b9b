package io.vtdsim.emu.spec;

/**
 * The address type of a DMA request (the PCI Express AT field), as the remapping hardware sees it
 * (VT-d spec 4.2, Table 30's request columns) and as the fault-recording register captures it
 * (FRCD.AT, bits 125:124, the Fault Recording Registers of spec rev. 5.10 11.4.7). Architectural
 * vocabulary, hence here with its encoding.
 */
public enum RequestType {
  /** AT=00b: an ordinary DMA read or write whose address the unit translates. */
  UNTRANSLATED(0),
  /** AT=01b: an ATS translation request from a device-TLB; the unit answers with a translation. */
  TRANSLATION_REQUEST(1),
  /** AT=10b: a read or write carrying an address the device-TLB already translated. */
  TRANSLATED(2);

  private final int addressType;

  RequestType(int addressType) {
    this.addressType = addressType;
  }

  /** The AT field encoding (FRCD.AT). */
  public int addressType() {
    return addressType;
  }
}
