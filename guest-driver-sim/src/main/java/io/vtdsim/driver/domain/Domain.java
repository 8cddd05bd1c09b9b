package io.vtdsim.driver.domain;

import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.emu.spec.SourceId;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A translation domain: one page table (second level, or first stage in scalable mode), the devices
 * attached to it and, while at least one device is attached, a domain ID (0 = none allocated, as Linux).
 */
public final class Domain {
  private final String name;
  private final PageTable table;
  private final boolean firstStage;
  private final Set<SourceId> devices = new LinkedHashSet<>();
  private int did;

  /** A domain whose table's format says its stage. */
  public Domain(String name, PageTable table) {
    this.name = name;
    this.table = table;
    this.firstStage = table.format().firstStage();
  }

  /** The stage the domain's table is for (its {@link io.vtdsim.driver.pagetable.PteFormat}). */
  public TranslationStage stage() {
    return firstStage ? TranslationStage.FIRST : TranslationStage.SECOND;
  }

  /** First stage: flushed with PASID-based IOTLB invalidations, no CM map flush. */
  public boolean firstStage() {
    return firstStage;
  }

  public String name() {
    return name;
  }

  public PageTable table() {
    return table;
  }

  public int did() {
    return did;
  }

  public void did(int value) {
    did = value;
  }

  public Set<SourceId> devices() {
    return Collections.unmodifiableSet(devices);
  }

  public void addDevice(SourceId d) {
    devices.add(d);
  }

  public void removeDevice(SourceId d) {
    devices.remove(d);
  }

  @Override
  public String toString() {
    return name + "(DID " + did + ")";
  }
}
