package io.vtdsim.harness.explore;

import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.Step;
import java.util.ArrayList;
import java.util.List;

/** A scenario with step lines zeroed and no source: what a YAML round trip must preserve. */
record Equivalence(Scenario scenario) {
  static Equivalence of(Scenario s) {
    return new Equivalence(new Scenario(s.name(), s.description(), s.machine(), s.driver(), s.devices(),
        withoutLines(s.steps()), s.expect(), ""));
  }

  static List<Step> withoutLines(List<Step> steps) {
    List<Step> out = new ArrayList<>();
    for (Step s : steps) out.add(withoutLine(s));
    return out;
  }

  static Step withoutLine(Step s) {
    if (s instanceof Step.Boot) return new Step.Boot(0);
    if (s instanceof Step.Attach a) return new Step.Attach(0, a.device(), a.domain());
    if (s instanceof Step.Detach d) return new Step.Detach(0, d.device());
    if (s instanceof Step.MapRange m) return new Step.MapRange(0, m.domain(), m.iova(), m.gpa(), m.size(), m.perm());
    if (s instanceof Step.UnmapRange u) return new Step.UnmapRange(0, u.domain(), u.iova(), u.size());
    if (s instanceof Step.DmaMap m) return new Step.DmaMap(0, m.device(), m.gpa(), m.size(), m.dir(), m.as());
    if (s instanceof Step.DmaMapSg m) {
      List<Step.SgSegment> segments = new ArrayList<>();
      for (Step.SgSegment g : m.segments()) segments.add(new Step.SgSegment(0, g.gpa(), g.size()));
      return new Step.DmaMapSg(0, m.device(), segments, m.dir(), m.as(), m.maxSegmentSize(), m.segmentBoundary());
    }
    if (s instanceof Step.DmaUnmap u) return new Step.DmaUnmap(0, u.handle());
    if (s instanceof Step.Dma d) return new Step.Dma(0, d.device(), d.at(), d.iova(), d.op(), d.len(), d.expect());
    if (s instanceof Step.Advance a) return new Step.Advance(0, a.nanos());
    if (s instanceof Step.Repeat r) return new Step.Repeat(0, r.times(), withoutLines(r.steps()));
    throw new IllegalArgumentException(s.toString());
  }
}
