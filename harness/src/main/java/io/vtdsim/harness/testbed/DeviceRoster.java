package io.vtdsim.harness.testbed;

import io.vtdsim.emu.spec.SourceId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A TestBed's devices by id, in config order: unique ids and bdfs, and their IOMMU groups. */
final class DeviceRoster {
  private final Map<String, DeviceConfig> byId = new LinkedHashMap<>();

  DeviceRoster(List<DeviceConfig> devices) {
    Set<SourceId> bdfs = new HashSet<>();
    for (DeviceConfig d : devices) {
      if (byId.putIfAbsent(d.id(), d) != null) throw new IllegalArgumentException("duplicate device id " + d.id());
      if (!bdfs.add(d.bdf())) throw new IllegalArgumentException("device " + d.id() + ": bdf " + d.bdf() + " is used twice");
    }
  }

  /** The device {@code id}; an unknown id is an error naming the known ones. */
  DeviceConfig config(String id) {
    DeviceConfig d = byId.get(id);
    if (d == null) throw new IllegalArgumentException("unknown device '" + id + "'; known: " + byId.keySet());
    return d;
  }

  SourceId sid(String id) {
    return config(id).bdf();
  }

  List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  Iterable<DeviceConfig> all() {
    return byId.values();
  }

  /** Every device's requester id, in config order (what the driver probes at boot). */
  List<SourceId> sids() {
    List<SourceId> out = new ArrayList<>(byId.size());
    for (DeviceConfig d : byId.values()) out.add(d.bdf());
    return out;
  }

  /** The ids of the devices in {@code id}'s IOMMU group, itself included (itself alone without a group). */
  List<String> groupOf(String id) {
    String g = config(id).group();
    if (g == null) return List.of(id);
    return byId.values().stream().filter(d -> g.equals(d.group())).map(DeviceConfig::id).toList();
  }

  /** The IOMMU group of each grouped device, by requester id (the driver's {@code groups}). */
  Map<SourceId, String> groups() {
    Map<SourceId, String> out = new HashMap<>();
    for (DeviceConfig d : byId.values()) {
      if (d.group() != null) out.put(d.bdf(), d.group());
    }
    return out;
  }
}
