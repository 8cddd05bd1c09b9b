package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.harness.scenario.ScenarioException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepTest {
  @Test
  void listsKeepTheirValuesAsTyped() {
    Sweep s = Sweep.parse("machine.host=vfio-type1, iommufd");
    assertThat(s.key()).isEqualTo("machine.host");
    assertThat(s.values()).containsExactly("vfio-type1", "iommufd");
  }

  @Test
  void geometricRangesOfSizesStayInSizeNotation() {
    assertThat(Sweep.parse("parameters.size=4KiB..1MiB*4").values()).containsExactly("4KiB", "16KiB", "64KiB", "256KiB", "1MiB");
    // the bound need not be reached exactly
    assertThat(Sweep.parse("parameters.size=4KiB..20KiB*2").values()).containsExactly("4KiB", "8KiB", "16KiB");
    assertThat(Sweep.parse("parameters.size=0x1000..0x4000*2").values()).containsExactly("4096", "8192", "16384");
  }

  @Test
  void arithmeticRanges() {
    assertThat(Sweep.parse("machine.mamv=16..20").values()).containsExactly("16", "17", "18", "19", "20");
    assertThat(Sweep.parse("machine.mamv=16..20+2").values()).containsExactly("16", "18", "20");
  }

  @Test
  void combinationsVaryTheFirstAxisSlowest() {
    List<List<String>> c = Sweep.combinations(List.of(Sweep.parse("a=1,2"), Sweep.parse("b=x,y")));
    assertThat(c).containsExactly(List.of("a=1", "b=x"), List.of("a=1", "b=y"), List.of("a=2", "b=x"), List.of("a=2", "b=y"));
    assertThat(Sweep.combinations(List.of())).containsExactly(List.of());
  }

  @Test
  void badSpecsNameTheOptionAndKey() {
    assertThatThrownBy(() -> Sweep.parse("machine.mamv")).isInstanceOf(ScenarioException.class).hasMessageStartingWith("--sweep: ");
    assertThatThrownBy(() -> Sweep.parse("machine.mamv=20..16")).hasMessage("--sweep: machine.mamv: range 20..16 runs backwards");
    assertThatThrownBy(() -> Sweep.parse("parameters.size=4KiB..1GiB*1")).hasMessageContaining("multiplies by 2 or more");
    assertThatThrownBy(() -> Sweep.parse("parameters.size=4KiB..lots*2")).hasMessageContaining("not a size: 'lots'");
    assertThatThrownBy(() -> Sweep.parse("machine.mamv=1,,2")).hasMessageContaining("empty value");
    // an axis of a million values is refused, not run
    assertThatThrownBy(() -> Sweep.parse("parameters.size=4KiB..4GiB+4KiB")).hasMessageContaining("at most 256 per axis");
  }
}
