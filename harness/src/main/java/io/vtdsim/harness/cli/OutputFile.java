package io.vtdsim.harness.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A report file named by an option ({@code --json}, {@code --trace}, {@code --diagram}, {@code --out}).
 * Commands {@link #check} it before running anything, so a mistyped directory fails at once (exit 2)
 * rather than after a long run; no directory is ever created.
 */
final class OutputFile {
  private OutputFile() {}

  /** Fails with a {@link CliException} unless {@code file} (if given) can be created or overwritten. */
  static void check(Path file, String option) {
    if (file == null) return;
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new CliException(option + " " + file + ": cannot write: directory " + parent + " does not exist");
    }
    if (Files.isDirectory(file)) throw new CliException(option + " " + file + ": cannot write: it is a directory");
    if (Files.exists(file) ? !Files.isWritable(file) : parent != null && !Files.isWritable(parent)) {
      throw new CliException(option + " " + file + ": cannot write: permission denied");
    }
  }

  static void write(Path file, String option, String content) {
    check(file, option);
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException(option + " " + file + ": cannot write: " + e.getClass().getSimpleName() + " "
          + e.getMessage(), e);
    }
  }
}
