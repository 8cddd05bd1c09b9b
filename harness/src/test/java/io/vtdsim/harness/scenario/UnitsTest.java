package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {
  @ParameterizedTest
  @CsvSource({
      "4096, 4096", "0x1000, 4096", "0X1000, 4096", "1_000, 1000", "4KiB, 4096", "4K, 4096", "2MiB, 2097152",
      "2M, 2097152", "1GiB, 1073741824", "100B, 100", "0x2MiB, 2097152", "4 KiB, 4096", "1TiB, 1099511627776"})
  void sizes(String text, long bytes) {
    assertThat(Units.parseSize(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"4kb", "KiB", "-4KiB", "4.5MiB", "", "16777216TiB", "0xfffffffffffffffff"})
  void badSizes(String text) {
    assertThatThrownBy(() -> Units.parseSize(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void numbersAcceptHexBelowTwoToTheSixtyThreeButNotNegatives() {
    assertThat(Units.parseNumber("0xfed90000")).isEqualTo(0xFED9_0000L);
    assertThat(Units.parseNumber("0x7fffffffffffffff")).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> Units.parseNumber("0x8000000000000000")).hasMessageContaining("below 2^63");
    assertThatThrownBy(() -> Units.parseNumber("0x10000000000000000")).hasMessageContaining("below 2^63");
    assertThatThrownBy(() -> Units.parseNumber("9223372036854775808")).hasMessageContaining("below 2^63");
    assertThatThrownBy(() -> Units.parseNumber("-1")).hasMessageContaining("negative");
    assertThatThrownBy(() -> Units.parseNumber("12ab")).hasMessageContaining("not a number");
  }

  @ParameterizedTest
  @CsvSource({"5ns, 5", "3us, 3000", "10ms, 10000000", "2s, 2000000000", "10 ms, 10000000"})
  void durations(String text, long nanos) {
    assertThat(Units.parseDuration(text)).isEqualTo(nanos);
  }

  @ParameterizedTest
  @ValueSource(strings = {"10", "10m", "1h", "ms", "1.5ms", "99999999999s"})
  void badDurations(String text) {
    assertThatThrownBy(() -> Units.parseDuration(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void formatting() {
    assertThat(Units.formatSize(4096)).isEqualTo("4KiB");
    assertThat(Units.formatSize(6 << 10)).isEqualTo("6KiB");
    assertThat(Units.formatSize(2 << 20)).isEqualTo("2MiB");
    assertThat(Units.formatSize(1L << 30)).isEqualTo("1GiB");
    assertThat(Units.formatSize(100)).isEqualTo("100B");
    assertThat(Units.formatSize(0)).isEqualTo("0B");
    assertThat(Units.formatDuration(10_000_000)).isEqualTo("10ms");
    assertThat(Units.formatDuration(1500)).isEqualTo("1500ns");
    assertThat(Units.hex(0x2000000)).isEqualTo("0x2000000");
  }
}
