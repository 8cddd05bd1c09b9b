package io.vtdsim.emu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClockAndEventLogTest {
  @Test
  void timersFireInDeadlineOrderDuringAdvanceWithTheClockAtTheirDeadline() {
    Clock c = new Clock();
    List<String> fired = new ArrayList<>();
    c.scheduleIn(10_000_000, () -> fired.add("b@" + c.nanos()));
    c.scheduleIn(5_000_000, () -> fired.add("a@" + c.nanos()));
    Clock.Timer cancelled = c.scheduleIn(7_000_000, () -> fired.add("x"));
    c.scheduleIn(10_000_000, () -> fired.add("c@" + c.nanos()));
    cancelled.cancel();
    c.advance(9_000_000);
    assertThat(fired).containsExactly("a@5000000");
    c.advance(1_000_000);
    assertThat(fired).containsExactly("a@5000000", "b@10000000", "c@10000000");
    assertThat(c.nanos()).isEqualTo(10_000_000);
    assertThatThrownBy(() -> c.advance(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void timerScheduledByATimerWithinTheWindowAlsoFires() {
    Clock c = new Clock();
    List<Long> fired = new ArrayList<>();
    c.scheduleIn(1, () -> c.scheduleIn(1, () -> fired.add(c.nanos())));
    c.advance(5);
    assertThat(fired).containsExactly(2L);
  }

  @Test
  void eventsAreNumberedTimestampedAndFannedOut() {
    Clock c = new Clock();
    EventLog log = new EventLog(c);
    List<Long> seen = new ArrayList<>();
    log.subscribe(e -> seen.add(e.seq()));
    log.emit("a", "x", "first");
    c.advance(7);
    Event e2 = log.emit("b", "y", null, Map.of("n", 3));
    assertThat(e2.seq()).isEqualTo(2);
    assertThat(e2.timeNanos()).isEqualTo(7);
    assertThat(e2.longAttr("n")).isEqualTo(3);
    assertThat(seen).containsExactly(1L, 2L);
    assertThat(log.eventsSince(1)).extracting(Event::kind).containsExactly("b");
  }

  @Test
  void boundedRetentionKeepsTheNewestButSubscribersSeeAll() {
    EventLog log = new EventLog(new Clock(), 2);
    int[] count = {0};
    log.subscribe(e -> count[0]++);
    for (int i = 0; i < 5; i++) log.emit("k", "s", "e" + i);
    assertThat(log.events()).extracting(Event::detail).containsExactly("e3", "e4");
    assertThat(count[0]).isEqualTo(5);
    assertThat(log.lastSeq()).isEqualTo(5);
    log.retaining(0);
    log.emit("k", "s", "e5");
    assertThat(log.events()).isEmpty();
  }

  @Test
  void attributeOrderIsTheSameOnEveryRun() {
    EventLog log = new EventLog(new Clock());
    Event ordered = log.emit("k", "s", null, Attrs.of("z", 1, "a", 2, "m", 3));
    assertThat(ordered.attrs().keySet()).containsExactly("z", "a", "m");
    // any other map is sorted by key, whatever its own iteration order is
    Event sorted = log.emit("k", "s", null, Map.of("z", 1, "a", 2, "m", 3));
    assertThat(sorted.attrs().keySet()).containsExactly("a", "m", "z");
    assertThat(sorted.attrs()).isEqualTo(Map.of("a", 2, "m", 3, "z", 1));
  }

  @Test
  void enabledOnlyWhileSomethingIsRetainedOrSubscribed() {
    EventLog log = new EventLog(new Clock(), 0);
    assertThat(log.enabled()).isFalse();
    java.util.function.Consumer<Event> s = e -> {};
    log.subscribe(s);
    assertThat(log.enabled()).isTrue();
    log.unsubscribe(s);
    assertThat(log.enabled()).isFalse();
    log.retaining(1);
    assertThat(log.enabled()).isTrue();
  }

  @Test
  void typedBodiesRenderTheAttributesAndTextTheirKindAlwaysHad() {
    EventLog log = new EventLog(new Clock());
    Event map = log.emit("host:nic", new EventBody.HostMap("nic", 0x100000, 0x2000000, 0x1000, true, true, "ok"));
    assertThat(map.kind()).isEqualTo("host.map");
    assertThat(map.type()).isEqualTo(EventKind.HOST_MAP);
    assertThat(map.detail()).isNull();
    assertThat(map.toString())
        .isEqualTo("#1 host.map [host:nic] {container=nic, iova=1048576, size=4096, gpa=33554432, read=true, write=true, result=ok}");
    // the cache-invalidate attributes were a sorted map: they stay in key order
    Event psi = log.emit("vtd", new EventBody.CacheInvalidate("iotlb", "page", 1, EventBody.Selector.PAGE, 3, 0, 0,
        0x5000, 0, false));
    assertThat(psi.attrs().keySet()).containsExactly("addr", "am", "cache", "did", "dropped", "ih", "scope");
    assertThat(psi.text()).isEqualTo("iotlb page invalidation dropped 1");
    Event walk = log.emit("shadow", new EventBody.ShadowWalk("nic", 0, 0x1000, 5, "psi", "loop"));
    assertThat(walk.detail()).isEqualTo("nic: walk loop (psi walk)");
    assertThat(walk.attrs()).containsEntry("reason", "loop (psi walk)").containsEntry("entries", 5L);
    Event call = log.emit("driver", new EventBody.DriverCall("map-single", "dev", "00:03.0", "gpa", 0x200000L, "size", 4096L));
    assertThat(call.detail()).isEqualTo("map-single dev=00:03.0 gpa=0x200000 size=0x1000");
    assertThat(call.attrs().keySet()).containsExactly("op", "dev", "gpa", "size");
  }

  @Test
  void aKindEmittedByNameIsGenericAndKeepsItsDetail() {
    EventLog log = new EventLog(new Clock());
    Event known = log.emit("vtd.command", "vtd", "QIE off", Attrs.of("bit", "qie"));
    assertThat(known.type()).isEqualTo(EventKind.COMMAND);
    assertThat(known.body()).isInstanceOf(EventBody.Generic.class);
    Event other = log.emit("lab.note", "x", "free text");
    assertThat(other.type()).isEqualTo(EventKind.OTHER);
    assertThat(other.kind()).isEqualTo("lab.note");
    assertThat(other.toString()).isEqualTo("#2 lab.note [x] free text");
  }
}
