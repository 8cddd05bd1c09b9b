package io.vtdsim.harness.scenario;

import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.harness.testbed.Superpage;
import java.util.List;

/**
 * Conversions of one scalar scenario value (from a YAML file or a {@code --set}) with errors naming
 * source, line and key. Shared by {@link ScenarioLoader} and {@link Overrides}.
 */
final class Values {
  private final String source;

  Values(String source) {
    this.source = source;
  }

  ScenarioException error(int line, String key, String problem) {
    return new ScenarioException(source, line, key, problem);
  }

  String oneOf(int line, String key, String text, List<String> allowed) {
    if (!allowed.contains(text)) {
      throw error(line, key, "unknown value '" + text + "'; expected one of: " + String.join(", ", allowed));
    }
    return text;
  }

  boolean bool(int line, String key, String text) {
    return switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw error(line, key, "expected true or false, found '" + text + "'");
    };
  }

  long number(int line, String key, String text) {
    try {
      return Units.parseNumber(text);
    } catch (IllegalArgumentException e) {
      throw error(line, key, e.getMessage());
    }
  }

  int smallInt(int line, String key, String text, int min, int max) {
    long v = number(line, key, text);
    if (v < min || v > max) throw error(line, key, "must be between " + min + " and " + max + ", found " + text);
    return (int) v;
  }

  long size(int line, String key, String text) {
    try {
      return Units.parseSize(text);
    } catch (IllegalArgumentException e) {
      throw error(line, key, e.getMessage());
    }
  }

  long duration(int line, String key, String text) {
    try {
      return Units.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw error(line, key, e.getMessage());
    }
  }

  /** A page-aligned value (map/unmap addresses and sizes, RAM size). */
  long pageAligned(int line, String key, long v) {
    if (v % Vocabulary.PAGE != 0) {
      throw error(line, key, Units.hex(v) + " is not aligned to 4KiB (map and unmap work on whole pages)");
    }
    return v;
  }

  long positive(int line, String key, long v) {
    if (v <= 0) throw error(line, key, "must be greater than 0");
    return v;
  }

  int awBits(int line, String key, String text) {
    long v = number(line, key, text);
    if (!Vocabulary.AW_BITS.contains((int) v) || v > 64) {
      throw error(line, key, "must be 39, 48 or 57 (3-, 4- or 5-level tables), found " + text);
    }
    return (int) v;
  }

  Superpage superpage(int line, String key, String text) {
    return switch (text) {
      case "2M", "2MiB" -> Superpage.SIZE_2M;
      case "1G", "1GiB" -> Superpage.SIZE_1G;
      default -> throw error(line, key, "unknown superpage size '" + text + "'; expected 2M or 1G");
    };
  }

  String bdf(int line, String key, String text) {
    try {
      return SourceId.parse(text).toString();
    } catch (IllegalArgumentException e) {
      throw error(line, key, e.getMessage());
    }
  }

  /** A count of at least 1 (machine.host-mapping-limit). */
  long positiveLong(int line, String key, String text) {
    long v = number(line, key, text);
    if (v < 1) throw error(line, key, "must be at least 1, found " + text);
    return v;
  }

  /** An IOMMU group name: letters, digits, '.', '_' and '-'. */
  String groupName(int line, String key, String text) {
    if (text == null || !text.matches("[A-Za-z0-9._-]+")) {
      throw error(line, key, "a group name is letters, digits, '.', '_' or '-', found '" + text + "'");
    }
    return text;
  }

  long ram(int line, String key, String text) {
    return pageAligned(line, key, positive(line, key, size(line, key, text)));
  }
}
