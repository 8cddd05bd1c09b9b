package io.vtdsim.harness.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A QEMU the backend can use: a {@code qemu-system-x86_64} (or a launcher script that execs one)
 * of version 10.1 or later — the first with the {@code vfio-user-pci} client — that lists
 * {@code vfio-user-pci} among its devices.
 *
 * <p>Found through {@code VTDSIM_QEMU} (a launcher path; when set, nothing else is tried), else
 * {@code ${VTDSIM_QEMU_HOME:-$HOME/.cache/vtdsim/qemu}/bin/qemu-system-x86_64} (what
 * {@code tools/install-qemu.sh} installs), else {@code qemu-system-x86_64} on the PATH. Probing a
 * launcher starts QEMU twice, so the verdict is cached per launcher path.
 */
public final class QemuInstallation {
  /** QEMU 10.1 added the vfio-user client (hw/vfio-user). */
  static final int MIN_MAJOR = 10;
  static final int MIN_MINOR = 1;
  static final String INSTALL_HINT = "install one with `sudo tools/install-qemu.sh` (or point VTDSIM_QEMU at a launcher)";
  private static final long PROBE_TIMEOUT_SECONDS = 20;
  private static final Pattern VERSION = Pattern.compile("QEMU emulator version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");
  private static final Map<Path, Object> PROBES = new ConcurrentHashMap<>();

  private final Path launcher;
  private final String version;

  private QemuInstallation(Path launcher, String version) {
    this.launcher = launcher;
    this.version = version;
  }

  /** The installation the environment points at; {@link QemuUnavailableException} saying what was tried when there is none. */
  public static QemuInstallation locate() {
    return locate(System.getenv());
  }

  /** {@link #locate()}, empty instead of the exception. */
  public static Optional<QemuInstallation> find() {
    try {
      return Optional.of(locate());
    } catch (QemuUnavailableException e) {
      return Optional.empty();
    }
  }

  /** The installation at exactly {@code launcher}, probed (and cached). */
  public static QemuInstallation at(Path launcher) {
    Object verdict = PROBES.computeIfAbsent(key(launcher), QemuInstallation::probe);
    if (verdict instanceof QemuInstallation q) return q;
    throw new QemuUnavailableException("no usable QEMU: " + verdict + "; " + INSTALL_HINT);
  }

  static QemuInstallation locate(Map<String, String> env) {
    List<Path> candidates = candidates(env);
    List<String> tried = new ArrayList<>();
    for (Path p : candidates) {
      Object verdict = PROBES.computeIfAbsent(key(p), QemuInstallation::probe);
      if (verdict instanceof QemuInstallation q) return q;
      tried.add((String) verdict);
    }
    String from = env.get("VTDSIM_QEMU") != null && !env.get("VTDSIM_QEMU").isBlank()
        ? " (VTDSIM_QEMU is set, so nothing else was tried)" : "";
    throw new QemuUnavailableException("no usable QEMU >= " + MIN_MAJOR + "." + MIN_MINOR + " with vfio-user-pci" + from
        + ": tried " + String.join("; ", tried) + "; " + INSTALL_HINT);
  }

  static List<Path> candidates(Map<String, String> env) {
    String explicit = env.get("VTDSIM_QEMU");
    if (explicit != null && !explicit.isBlank()) return List.of(Path.of(explicit));
    List<Path> out = new ArrayList<>();
    String home = env.get("VTDSIM_QEMU_HOME");
    if (home == null || home.isBlank()) {
      String userHome = env.getOrDefault("HOME", System.getProperty("user.home"));
      home = Path.of(userHome, ".cache", "vtdsim", "qemu").toString();
    }
    out.add(Path.of(home, "bin", "qemu-system-x86_64"));
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, "qemu-system-x86_64");
      if (Files.isExecutable(p)) {
        out.add(p);
        break;
      }
    }
    if (out.size() == 1) out.add(Path.of("qemu-system-x86_64")); // reported as "not on the PATH"
    return out;
  }

  /** The launcher path: what the session runs. */
  public Path launcher() {
    return launcher;
  }

  /** QEMU's version, e.g. {@code 11.1.3}. */
  public String version() {
    return version;
  }

  @Override
  public String toString() {
    return "QEMU " + version + " (" + launcher + ")";
  }

  /** A bare command name stays one (it means "on the PATH"); other paths are made absolute. */
  private static Path key(Path p) {
    return !p.isAbsolute() && p.getNameCount() == 1 ? p : p.toAbsolutePath().normalize();
  }

  /** A QemuInstallation, or a String saying why {@code launcher} is not one. */
  private static Object probe(Path launcher) {
    if (!launcher.isAbsolute() && launcher.getNameCount() == 1) return launcher + " (not on the PATH)";
    if (!Files.exists(launcher)) return launcher + " (does not exist)";
    if (!Files.isExecutable(launcher)) return launcher + " (not executable)";
    try {
      String v = run(launcher, "--version");
      Matcher m = VERSION.matcher(v);
      if (!m.find()) return launcher + " (`--version` printed no QEMU version: " + firstLine(v) + ")";
      int major = Integer.parseInt(m.group(1));
      int minor = Integer.parseInt(m.group(2));
      String version = m.group(1) + "." + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3));
      if (major < MIN_MAJOR || (major == MIN_MAJOR && minor < MIN_MINOR)) {
        return launcher + " (QEMU " + version + " is too old: the vfio-user client needs " + MIN_MAJOR + "." + MIN_MINOR + ")";
      }
      String devices = run(launcher, "-nodefaults", "-machine", "none", "-device", "help");
      if (!devices.contains("\"vfio-user-pci\"")) return launcher + " (QEMU " + version + " has no vfio-user-pci device)";
      if (!devices.contains("\"intel-iommu\"")) return launcher + " (QEMU " + version + " has no intel-iommu device)";
      return new QemuInstallation(launcher, version);
    } catch (IOException e) {
      return launcher + " (could not run: " + e.getMessage() + ")";
    }
  }

  private static String run(Path launcher, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher.toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("vtdsim-qemu-probe", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      try {
        if (!p.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          Processes.kill(p.toHandle());
          throw new IOException("`" + String.join(" ", args) + "` did not finish within " + PROBE_TIMEOUT_SECONDS + " s");
        }
      } catch (InterruptedException e) {
        Processes.kill(p.toHandle());
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IOException("`" + String.join(" ", args) + "` exited with status " + p.exitValue() + ": " + firstLine(text));
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

}
