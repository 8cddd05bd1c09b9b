package io.vtdsim.harness.cli;

import io.vtdsim.emu.vtd.VtdConfig;

/** Entry point of {@code vtdsim.jar}. (Temporary: prints each preset's capability registers.) */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    for (String preset : VtdConfig.PRESETS) {
      for (int aw : new int[] {39, 48, 57}) {
        VtdConfig c = VtdConfig.preset(preset, aw);
        System.out.printf("%-11s aw=%d  CAP 0x%016x  ECAP 0x%016x%n", preset, aw, c.cap().encode(), c.ecap().encode());
      }
    }
  }
}
