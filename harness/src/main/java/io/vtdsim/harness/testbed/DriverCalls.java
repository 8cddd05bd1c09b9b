package io.vtdsim.harness.testbed;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.harness.report.EventKinds;

/** The driver calls a TestBed's log has seen, for naming a check's violations after the last one. */
final class DriverCalls {
  private int count;
  private Event last;

  /** Counts the {@code driver.call} events of {@code log} from now on. */
  static DriverCalls countedIn(EventLog log) {
    DriverCalls calls = new DriverCalls();
    log.subscribeIntake(e -> {
      if (e.kind().equals(EventKinds.DRIVER_CALL)) {
        calls.count++;
        calls.last = e; // its text is built only when a check names it
      }
    });
    return calls;
  }

  /** The last call's 0-based index (-1 before any). */
  int lastIndex() {
    return count - 1;
  }

  /** "check after map domain=d1 iova=0x200000 ...", or "check" before any call. */
  String checkText() {
    return last == null ? "check" : "check after " + last.text();
  }
}
