package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventIntake;
import io.vtdsim.emu.platform.EventLog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The fixed cost counters of a run, computed only from the event log (ARCHITECTURE principle 4:
 * nothing counts on the side). Subscribe before the run; {@link #snapshot} reads them in the fixed
 * order of {@link #NAMES}. Subscribed as an {@link EventIntake}, they take the frequent kinds as facts,
 * so a run that retains no event builds none for them; a retained log counted with {@link #of} gives
 * the same numbers.
 *
 * <ul>
 *   <li>{@code mmio-reads}/{@code mmio-writes}: {@code mmio.read}/{@code mmio.write} events (MMIO exits).
 *   <li>{@code desc-*}: executed invalidations by granularity — {@code vtd.descriptor} (queued) and
 *       {@code vtd.register-invalidation} (CCMD/IOTLB registers) with the same {@code desc} names, so
 *       both interfaces count alike; {@code desc-wait} counts wait descriptors.
 *   <li>{@code host-map}/{@code host-unmap}: host container calls ({@code host.map}/{@code host.unmap},
 *       failed ones included); {@code host-errors}: {@code host.error} events.
 *   <li>{@code walk-entries}: the sum of {@code entries} over {@code shadow.walk} events.
 *   <li>{@code dma-ok}/{@code dma-fault}: {@code dma.ok}/{@code dma.fault} events.
 *   <li>{@code nested-binds}/{@code nested-invalidates}: a nested HWPT's attachments (bind, parent,
 *       unbind: {@code host.nested-bind}) and the invalidation requests forwarded to it
 *       ({@code host.nested-invalidate}, refused ones included) — nesting's host calls, where
 *       shadowing has {@code host-map}/{@code host-unmap}.
 * </ul>
 */
public final class Counters implements Consumer<Event>, EventIntake {
  public static final String MMIO_READS = "mmio-reads";
  public static final String MMIO_WRITES = "mmio-writes";
  public static final String DESC_CC_GLOBAL = "desc-cc-global";
  public static final String DESC_CC_DOMAIN = "desc-cc-domain";
  public static final String DESC_CC_DEVICE = "desc-cc-device";
  public static final String DESC_IOTLB_GLOBAL = "desc-iotlb-global";
  public static final String DESC_IOTLB_DSI = "desc-iotlb-dsi";
  public static final String DESC_IOTLB_PSI = "desc-iotlb-psi";
  public static final String DESC_WAIT = "desc-wait";
  public static final String HOST_MAP = "host-map";
  public static final String HOST_UNMAP = "host-unmap";
  public static final String HOST_ERRORS = "host-errors";
  public static final String WALK_ENTRIES = "walk-entries";
  public static final String DMA_OK = "dma-ok";
  public static final String DMA_FAULT = "dma-fault";
  /**
   * DMAs a scenario declared {@code expect: lazy-stale} that landed through a mapping still queued for
   * a lazy flush (lazy mode's accepted cost; one that faulted counts in {@link #DMA_FAULT}).
   */
  public static final String DMA_STALE = "dma-stale";
  public static final String NESTED_BINDS = "nested-binds";
  public static final String NESTED_INVALIDATES = "nested-invalidates";

  /** Every counter, in report order. */
  public static final List<String> NAMES = List.of(MMIO_READS, MMIO_WRITES, DESC_CC_GLOBAL, DESC_CC_DOMAIN,
      DESC_CC_DEVICE, DESC_IOTLB_GLOBAL, DESC_IOTLB_DSI, DESC_IOTLB_PSI, DESC_WAIT, HOST_MAP, HOST_UNMAP,
      HOST_ERRORS, WALK_ENTRIES, DMA_OK, DMA_FAULT, DMA_STALE, NESTED_BINDS, NESTED_INVALIDATES);

  private final long[] values = new long[NAMES.size()];

  /** A counter set subscribed to {@code log}. */
  public static Counters subscribedTo(EventLog log) {
    Counters c = new Counters();
    log.subscribeIntake(c);
    return c;
  }

  /** Counts {@code events} (e.g. a retained log) into a fresh counter set. */
  public static Counters of(Iterable<Event> events) {
    Counters c = new Counters();
    for (Event e : events) c.accept(e);
    return c;
  }

  @Override
  public void accept(Event e) {
    EventIntake.deliver(this, e);
  }

  @Override
  public synchronized void event(Event e) {
    // the typed records of these kinds come as facts (EventIntake.deliver); here only events built by name
    switch (e.body().type()) {
      case MMIO_READ -> values[0]++;
      case MMIO_WRITE -> values[1]++;
      case DESCRIPTOR, REGISTER_INVALIDATION -> count(String.valueOf(e.attrs().get("desc")));
      case HOST_MAP -> values[9]++;
      case HOST_UNMAP -> values[10]++;
      case HOST_ERROR -> values[11]++;
      case WALK -> {
        if (e.attrs().get("entries") instanceof Number n) values[12] += n.longValue();
      }
      case DMA_OK -> values[13]++;
      case DMA_FAULT -> values[14]++;
      case NESTED_BIND -> values[16]++;
      case NESTED_INVALIDATE -> values[17]++;
      case OTHER -> {
        if (e.kind().equals(EventKinds.DMA_LAZY_STALE) && Boolean.TRUE.equals(e.attrs().get("landed"))) values[15]++;
      }
      default -> {}
    }
  }

  @Override
  public synchronized void mmioRead() {
    values[0]++;
  }

  @Override
  public synchronized void mmioWrite() {
    values[1]++;
  }

  @Override
  public synchronized void descriptor(String desc) {
    count(desc);
  }

  @Override
  public synchronized void hostMap(String container, long iova, long size) {
    values[9]++;
  }

  @Override
  public synchronized void hostUnmap(String container, long iova, long size) {
    values[10]++;
  }

  @Override
  public synchronized void shadowWalk(long start, long end, long entries) {
    values[12] += entries;
  }

  @Override
  public synchronized void dmaOk() {
    values[13]++;
  }

  private void count(String desc) {
    int i = descCounter(desc);
    if (i >= 0) values[i]++;
  }

  /** The counter of a {@code desc} name (DescriptorNames), or -1. */
  private static int descCounter(String desc) {
    return switch (desc) {
      case "cc-global" -> 2;
      case "cc-domain" -> 3;
      case "cc-device" -> 4;
      case "iotlb-global" -> 5;
      case "iotlb-dsi" -> 6;
      case "iotlb-psi" -> 7;
      case "wait" -> 8;
      default -> -1;
    };
  }


  public synchronized long get(String name) {
    int i = NAMES.indexOf(name);
    if (i < 0) throw new IllegalArgumentException("unknown counter '" + name + "'; known: " + NAMES);
    return values[i];
  }

  /** Every counter by name, in {@link #NAMES} order. */
  public synchronized Map<String, Long> snapshot() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) m.put(NAMES.get(i), values[i]);
    return m;
  }
}
