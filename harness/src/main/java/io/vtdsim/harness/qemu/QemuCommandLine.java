package io.vtdsim.harness.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The QEMU command line of a session (the one measured working with QEMU 11.1.3). */
final class QemuCommandLine {
  private QemuCommandLine() {}

  static List<String> build(Path launcher, QemuMachineOptions o, Path ramFile, Path qtestSocket, Map<QemuDevice, Path> vfioUserSockets) {
    List<String> c = new ArrayList<>();
    c.add(launcher.toString());
    long mib = o.ramBytes() >> 20;
    // guest RAM in a shared file: DMA_MAP's offset is then the RAM block offset, = GPA below 2 GiB;
    // at most 2 GiB below the PCI hole (q35 would keep up to 2.75 GiB there), the rest from 4 GiB
    // at file offset 2 GiB: the layout of GuestMemory.mappedFile
    c.addAll(List.of("-object", "memory-backend-file,id=m0,size=" + mib + "M,mem-path=" + opt(ramFile) + ",share=on",
        "-machine", "q35,memory-backend=m0,max-ram-below-4g=2G", "-m", mib + "M"));
    c.addAll(List.of("-accel", "qtest", "-qtest", "unix:" + opt(qtestSocket), "-qtest-log", "/dev/null",
        "-display", "none", "-nodefaults", "-no-user-config"));
    // the IOMMU before the devices it translates for
    c.addAll(List.of("-device", o.intelIommuProperties()));
    int n = 0; // QEMU ids are identifiers: ours by position, not the scenario's ids
    for (QemuDevice d : o.devices()) {
      // function 0 of a slot with more functions must say so (hw/pci/pci.c: "single function device can't be populated")
      String multi = d.function() == 0 && o.devices().stream().anyMatch(x -> x.device() == d.device() && x.function() != 0)
          ? ",\"multifunction\":true" : "";
      c.add("-device");
      if (d.assigned()) {
        // the socket property is a SocketAddress: only the JSON form can set it
        c.add("{\"driver\":\"vfio-user-pci\",\"id\":\"vfu" + n++ + "\"" + ",\"addr\":\"" + d.qemuAddr()
            + "\"" + multi + ",\"socket\":{\"type\":\"unix\",\"path\":" + json(vfioUserSockets.get(d).toString()) + "}}");
      } else {
        // dma_mask: edu clamps DMA addresses to it (default 28 bits); all 64 bits pass any IOVA through
        c.add("{\"driver\":\"edu\",\"id\":\"edu" + n++ + "\"" + ",\"addr\":\"" + d.qemuAddr()
            + "\"" + multi + ",\"dma_mask\":18446744073709551615}");
      }
    }
    return c;
  }

  /** A path inside a QEMU option string: a comma is written twice (util/qemu-option.c). */
  private static String opt(Path p) {
    return p.toString().replace(",", ",,");
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }
}
