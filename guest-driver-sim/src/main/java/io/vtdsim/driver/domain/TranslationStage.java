package io.vtdsim.driver.domain;

/**
 * Which stage a domain's page table is for: the second level (legacy mode, and scalable mode's PGTT
 * 010b) or scalable mode's first stage (PGTT 001b, x86-64 paging; Linux's domain->use_first_level).
 */
public enum TranslationStage {
  FIRST("first-stage"),
  SECOND("second-stage");

  private final String label;

  TranslationStage(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}
