package io.vtdsim.emu.spec;

/**
 * The 4 KiB page VT-d translates in (spec 3.6: second-level tables map 4 KiB pages, larger ones
 * are 512^n of them; Linux's {@code VTD_PAGE_SHIFT}). Page frame numbers, page offsets and page
 * alignment anywhere in vtdsim are spelled with these constants, never with 12, 0xFFF or 4096.
 */
public final class Page {
  private Page() {}

  /** log2 of the page size. */
  public static final int SHIFT = 12;
  /** Bytes in a page. */
  public static final int SIZE = 1 << SHIFT;
  /** The offset bits inside a page ({@code ~OFFSET_MASK} keeps the page address). */
  public static final int OFFSET_MASK = SIZE - 1;
}
