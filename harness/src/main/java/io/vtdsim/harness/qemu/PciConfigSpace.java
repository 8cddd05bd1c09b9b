package io.vtdsim.harness.qemu;

/**
 * The 256-byte PCI configuration space of a vfio-user device, with write masks as a conventional
 * PCI header (PCI Local Bus 3.0, 6.1): IDs, class and header type read-only; the command register's
 * I/O, memory, bus-master, parity, SERR and INTx-disable bits writable; BAR0 a 32-bit
 * non-prefetchable memory BAR whose size shows through the usual all-ones sizing write; BAR1-5 and the
 * expansion ROM absent (hardwired 0); no capabilities, no interrupt pin. QEMU emulates most of
 * this itself (hw/vfio/pci.c) and forwards the rest as REGION_READ/WRITE of region 7.
 */
final class PciConfigSpace {
  static final int SIZE = 256;
  static final int VENDOR_ID = 0x1234;
  static final int DEVICE_ID = 0xBEEF;
  static final int CLASS_CODE = 0xFF0000; // "unassigned class"
  private static final int COMMAND = 0x04;
  private static final int COMMAND_WRITABLE = 0x0547; // IO, MEM, BME, PERR, SERR, INTx disable
  private static final int BAR0 = 0x10;

  private final byte[] bytes = new byte[SIZE];
  private final byte[] wmask = new byte[SIZE];
  private final int bar0Size;

  PciConfigSpace(int bar0Size) {
    if (Integer.bitCount(bar0Size) != 1 || bar0Size < 16) throw new IllegalArgumentException("BAR size " + bar0Size);
    this.bar0Size = bar0Size;
    put(wmask, COMMAND, 2, COMMAND_WRITABLE);
    put(wmask, BAR0, 4, ~(bar0Size - 1) & 0xFFFF_FFF0L);
    wmask[0x0C] = (byte) 0xFF; // cache line size
    wmask[0x0D] = (byte) 0xFF; // latency timer
    wmask[0x3C] = (byte) 0xFF; // interrupt line
    reset();
  }

  /** Power-on values: IDs, class, everything writable cleared. */
  synchronized void reset() {
    java.util.Arrays.fill(bytes, (byte) 0);
    put(bytes, 0x00, 2, VENDOR_ID);
    put(bytes, 0x02, 2, DEVICE_ID);
    bytes[0x08] = 0x01; // revision
    put(bytes, 0x09, 3, CLASS_CODE);
    put(bytes, 0x2C, 2, VENDOR_ID); // subsystem vendor
    put(bytes, 0x2E, 2, DEVICE_ID);
  }

  int bar0Size() {
    return bar0Size;
  }

  /** True when [offset, offset+count) lies in the space. */
  static boolean inRange(long offset, long count) {
    return offset >= 0 && count >= 0 && offset + count <= SIZE;
  }

  synchronized byte[] read(int offset, int count) {
    byte[] out = new byte[count];
    System.arraycopy(bytes, offset, out, 0, count);
    return out;
  }

  synchronized void write(int offset, byte[] data) {
    for (int i = 0; i < data.length; i++) {
      int o = offset + i;
      bytes[o] = (byte) ((bytes[o] & ~wmask[o]) | (data[i] & wmask[o]));
    }
  }

  private static void put(byte[] a, int offset, int len, long v) {
    for (int i = 0; i < len; i++) a[offset + i] = (byte) (v >>> (8 * i));
  }
}
