package io.vtdsim.harness.qemu;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What QEMU machine a {@link QemuSession} starts: q35 with {@code intel-iommu} (interrupt remapping
 * off) of {@code awBits} and {@code cachingMode}, in legacy mode or with {@code scalableMode}
 * ({@code scalable-mode=on}: ECAP.SMTS with second-stage translation) and {@code firstStage}
 * ({@code fsts=on}: first-stage translation instead), {@code ramBytes} of guest RAM in a shared file,
 * and {@code devices}. Invalid combinations — ones QEMU can not run — are rejected with a message
 * that starts with the scenario key it comes from.
 */
public record QemuMachineOptions(int awBits, boolean cachingMode, boolean scalableMode, boolean firstStage,
    long ramBytes, List<QemuDevice> devices, Duration replyTimeout, Duration startTimeout) {
  public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(15);
  /**
   * RAM beyond 2 GiB is relocated above 4 GiB (q35 with {@code max-ram-below-4g=2G}, the model's
   * {@code GuestMemory.q35} layout); its top must stay below the 1 TiB that QEMU's default x86 CPU
   * addresses (40 physical address bits, target/i386/cpu.c).
   */
  public static final long MAX_RAM = (1L << 40) - (2L << 30);
  private static final long RAM_GRANULE = 2L << 20;

  public QemuMachineOptions {
    replyTimeout = replyTimeout == null ? DEFAULT_REPLY_TIMEOUT : replyTimeout;
    startTimeout = startTimeout == null ? DEFAULT_START_TIMEOUT : startTimeout;
    devices = devices == null ? List.of() : List.copyOf(devices);
    // hw/i386/intel_iommu.c vtd_decide_config: "Supported values for aw-bits are: 39, 48"
    if (awBits != 39 && awBits != 48) {
      throw new IllegalArgumentException("machine.aw-bits: QEMU's intel-iommu supports 39 or 48, not " + awBits);
    }
    // vtd_decide_config: "fsts is only available in scalable mode"
    if (firstStage && !scalableMode) {
      throw new IllegalArgumentException("machine.flts: QEMU's intel-iommu offers first-stage translation (fsts=on)"
          + " only in scalable mode; set machine.scalable-mode: true");
    }
    // vtd_decide_config: "Scalable mode(fsts=on): supported value for aw-bits is: 48"
    if (firstStage && awBits != 48) {
      throw new IllegalArgumentException("machine.aw-bits: QEMU's first-stage translation (machine.flts, fsts=on)"
          + " supports aw-bits 48 only, not " + awBits);
    }
    if (ramBytes <= 0 || ramBytes > MAX_RAM || ramBytes % RAM_GRANULE != 0) {
      throw new IllegalArgumentException("machine.ram: the QEMU backend needs a multiple of 2 MiB up to 1022 GiB"
          + " (2 GiB below the PCI hole, the rest above 4 GiB, under QEMU's 40 physical address bits), not " + ramBytes + " bytes");
    }
    if (replyTimeout.isNegative() || replyTimeout.isZero() || startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("QEMU timeouts must be positive: reply " + replyTimeout + ", start " + startTimeout);
    }
    Set<String> ids = new HashSet<>();
    Set<Integer> sids = new HashSet<>();
    for (int i = 0; i < devices.size(); i++) {
      QemuDevice d = devices.get(i);
      String key = "devices[" + i + "]";
      if (d == null) throw new IllegalArgumentException(key + ": null device");
      if (d.id() == null || d.id().isBlank()) throw new IllegalArgumentException(key + ".id: a device needs an id");
      if (!ids.add(d.id())) throw new IllegalArgumentException(key + ".id: duplicate device id " + d.id());
      if (d.bus() != 0) {
        throw new IllegalArgumentException(key + ".bdf: the QEMU backend places devices on bus 0 only (q35's root bus), not "
            + String.format("%02x:%02x.%x", d.bus(), d.device(), d.function()));
      }
      if (d.device() < 1 || d.device() > 30 || d.function() < 0 || d.function() > 7) {
        throw new IllegalArgumentException(key + ".bdf: " + String.format("00:%02x.%x", d.device(), d.function())
            + " is not free on QEMU's q35 (00:00.0 is the host bridge, 00:1f the ICH9 functions; device 1..30, function 0..7)");
      }
      if (!sids.add(d.sid())) throw new IllegalArgumentException(key + ".bdf: two devices at " + d.bdf());
      // hw/i386/intel_iommu.c vtd_iommu_notify_flag_changed: a notifier (vfio) needs caching mode
      if (d.assigned() && !cachingMode) {
        throw new IllegalArgumentException("machine.caching-mode: QEMU refuses assigned (vfio) devices without caching mode"
            + " (device " + d.id() + "); turn caching mode on or make the device emulated");
      }
    }
  }

  /** Legacy mode. */
  public QemuMachineOptions(int awBits, boolean cachingMode, long ramBytes, List<QemuDevice> devices,
      Duration replyTimeout, Duration startTimeout) {
    this(awBits, cachingMode, false, false, ramBytes, devices, replyTimeout, startTimeout);
  }

  /** Legacy mode, default timeouts (replies 10 s, start 15 s). */
  public QemuMachineOptions(int awBits, boolean cachingMode, long ramBytes, List<QemuDevice> devices) {
    this(awBits, cachingMode, ramBytes, devices, DEFAULT_REPLY_TIMEOUT, DEFAULT_START_TIMEOUT);
  }

  public QemuMachineOptions withReplyTimeout(Duration timeout) {
    return new QemuMachineOptions(awBits, cachingMode, scalableMode, firstStage, ramBytes, devices, timeout, startTimeout);
  }

  public QemuMachineOptions withStartTimeout(Duration timeout) {
    return new QemuMachineOptions(awBits, cachingMode, scalableMode, firstStage, ramBytes, devices, replyTimeout, timeout);
  }

  /**
   * Scalable mode ({@code scalable-mode=on}), with first-stage translation ({@code fsts=on}) or
   * second-stage (off); {@code (false, false)} is legacy mode.
   */
  public QemuMachineOptions withScalableMode(boolean scalable, boolean firstStageTranslation) {
    return new QemuMachineOptions(awBits, cachingMode, scalable, firstStageTranslation, ramBytes, devices,
        replyTimeout, startTimeout);
  }

  /**
   * The {@code intel-iommu} device's properties, with QEMU 11.1's names ({@code -device intel-iommu,help}):
   * {@code scalable-mode} (once {@code x-scalable-mode}) and {@code fsts} (once {@code x-flts}).
   */
  public String intelIommuProperties() {
    return "intel-iommu,caching-mode=" + (cachingMode ? "on" : "off") + ",intremap=off,aw-bits=" + awBits
        + (scalableMode ? ",scalable-mode=on" : "") + (firstStage ? ",fsts=on" : "");
  }

  List<QemuDevice> assignedDevices() {
    return devices.stream().filter(QemuDevice::assigned).toList();
  }
}
