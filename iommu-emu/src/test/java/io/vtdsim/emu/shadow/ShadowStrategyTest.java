package io.vtdsim.emu.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The strategies by their user-facing names (README: machine.shadow-sync), and what a shadow tells
 * about itself: its strategy, its unit, its attached devices and its walk budgets (one MAP per 4 KiB
 * page of guest RAM, 512 entries per page).
 */
class ShadowStrategyTest {
  @Test
  void theNamesAreTheDocumentedOnesInOrder() {
    assertThat(Arrays.stream(ShadowStrategy.values()).map(ShadowStrategy::label))
        .containsExactly("psi-only", "unmap-all-replay", "iova-tree", "nested");
    assertThat(ShadowStrategy.LABELS).containsExactly("psi-only", "unmap-all-replay", "iova-tree", "nested");
    // the shadowing ones are exactly the ShadowSync strategies
    assertThat(Arrays.stream(ShadowStrategy.values()).filter(ShadowStrategy::shadows).map(ShadowStrategy::toString))
        .containsExactlyElementsOf(ShadowSync.NAMES);
  }

  @ParameterizedTest
  @EnumSource(value = ShadowStrategy.class, names = "NESTED", mode = EnumSource.Mode.EXCLUDE)
  void eachNameParsesBackAndCreatesAFreshStrategyOfThatName(ShadowStrategy s) {
    assertThat(s.shadows()).isTrue();
    assertThat(ShadowStrategy.parse(s.label())).isSameAs(s);
    assertThat(ShadowStrategy.parse("  " + s.label().toUpperCase() + " ")).isSameAs(s);
    ShadowSync a = s.create();
    assertThat(a.name()).isEqualTo(s.label());
    assertThat(a).hasToString(s.label());
    assertThat(s.create()).isNotSameAs(a);
  }

  @Test
  void nestedParsesButHasNoShadowStrategy() {
    assertThat(ShadowStrategy.parse(" Nested")).isSameAs(ShadowStrategy.NESTED);
    assertThat(ShadowStrategy.NESTED.shadows()).isFalse();
    assertThatThrownBy(ShadowStrategy.NESTED::create).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'nested' does not shadow");
    assertThatThrownBy(() -> ShadowSync.named("nested")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnknownNameIsRefusedWithTheKnownOnes() {
    assertThatThrownBy(() -> ShadowStrategy.parse("lazy")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown shadow sync strategy 'lazy'; known: psi-only, unmap-all-replay, iova-tree, nested");
    assertThatThrownBy(() -> ShadowStrategy.parse(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'null'");
    assertThatThrownBy(() -> ShadowStrategy.parse("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aShadowTellsItsStrategyUnitDevicesAndBudgets() {
    ShadowFixture f = new ShadowFixture("unmap-all-replay");
    assertThat(f.shadow.strategy().name()).isEqualTo("unmap-all-replay");
    assertThat(f.shadow.unit()).isSameAs(f.unit);
    assertThat(f.shadow.attached()).isEmpty();
    f.booted();
    assertThat(f.shadow.attached()).containsExactly(ShadowFixture.DEV);
    long pages = 4 * ShadowFixture.GIB / ShadowFixture.PAGE; // RAM [0, 2 GiB) and [4 GiB, 6 GiB)
    assertThat(f.shadow.walkMappingBudget()).isEqualTo(pages);
    assertThat(f.shadow.walkEntryBudget()).isEqualTo(512 * pages);
  }
}
