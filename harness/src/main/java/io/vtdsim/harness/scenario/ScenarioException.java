package io.vtdsim.harness.scenario;

/**
 * An unreadable or invalid scenario input. The message reads {@code file:line: key: what is wrong}
 * ({@code line} 0 when there is no line, e.g. for {@code --set}: then {@code file: key: ...}).
 */
public final class ScenarioException extends RuntimeException {
  private final String file;
  private final int line;
  private final String key;
  private final String problem;

  public ScenarioException(String file, int line, String key, String problem) {
    super(format(file, line, key, problem));
    this.file = file;
    this.line = line;
    this.key = key;
    this.problem = problem;
  }

  public ScenarioException(String file, int line, String key, String problem, Throwable cause) {
    this(file, line, key, problem);
    initCause(cause);
  }

  private static String format(String file, int line, String key, String problem) {
    return file + (line > 0 ? ":" + line : "") + ": " + key + ": " + problem;
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }

  public String key() {
    return key;
  }

  /** The "what is wrong" part alone. */
  public String problem() {
    return problem;
  }
}
