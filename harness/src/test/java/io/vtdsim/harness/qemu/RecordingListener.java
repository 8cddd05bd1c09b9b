package io.vtdsim.harness.qemu;

import java.util.ArrayList;
import java.util.List;

/** Records what the vfio-user servers report, in arrival order (thread-safe). */
final class RecordingListener implements QemuSession.Listener {
  /** A DMA_MAP (gpa, read, write set) or DMA_UNMAP as QEMU sent it. */
  record Dma(String kind, String device, long iova, long gpa, long size, boolean read, boolean write) {
    static Dma map(String device, long iova, long gpa, long size, boolean read, boolean write) {
      return new Dma("MAP", device, iova, gpa, size, read, write);
    }

    static Dma unmap(String device, long iova, long size) {
      return new Dma("UNMAP", device, iova, 0, size, false, false);
    }

    @Override
    public String toString() {
      return String.format("%s %s 0x%x+0x%x", kind, device, iova, size)
          + (kind.equals("MAP") ? String.format(" -> 0x%x %s%s", gpa, read ? "r" : "-", write ? "w" : "-") : "");
    }
  }

  private final List<Dma> dma = new ArrayList<>();
  private final List<String> messages = new ArrayList<>();
  volatile int mapErrno;

  @Override
  public synchronized int onDmaMap(String deviceId, long iova, long gpa, long size, boolean read, boolean write) {
    dma.add(Dma.map(deviceId, iova, gpa, size, read, write));
    return mapErrno;
  }

  @Override
  public synchronized int onDmaUnmap(String deviceId, long iova, long size) {
    dma.add(Dma.unmap(deviceId, iova, size));
    return 0;
  }

  @Override
  public synchronized void onMessage(String deviceId, String direction, String command, String text) {
    messages.add(deviceId + " " + direction + " " + command + " " + text);
  }

  synchronized int mark() {
    return dma.size();
  }

  synchronized List<Dma> since(int mark) {
    return List.copyOf(dma.subList(mark, dma.size()));
  }

  synchronized List<String> messages() {
    return List.copyOf(messages);
  }
}
