package io.vtdsim.harness.report;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A real headless Chromium driven over the DevTools protocol (a WebSocket, java.net.http): navigate,
 * evaluate JavaScript, and collect what the page logged as errors ({@code console.error}, uncaught
 * exceptions). Found as {@code -Dvtdsim.chromium=PATH} or {@code chromium} / {@code chromium-browser}
 * on the PATH. Without one the test is skipped with a reason — unless {@code -Dvtdsim.browser=required}
 * (CI), which makes it fail.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A guard against a browser that hangs, not a performance bound. */
  private static final long GUARD_SECONDS = 120;

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
  private volatile CompletableFuture<Void> loaded = new CompletableFuture<>();

  /** Starts Chromium, or skips (fails when required) when there is none. */
  static HeadlessChromium start() throws Exception {
    Path exe = find();
    if (exe == null) {
      String reason = "no chromium on the PATH (apt-get install chromium, or -Dvtdsim.chromium=PATH)";
      if ("required".equals(System.getProperty("vtdsim.browser"))) fail(reason + ", and -Dvtdsim.browser=required");
      Assumptions.abort(reason);
    }
    return new HeadlessChromium(exe);
  }

  private static Path find() {
    String given = System.getProperty("vtdsim.chromium");
    if (given != null && !given.isBlank()) return Path.of(given);
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) return p;
      }
    }
    return null;
  }

  private HeadlessChromium(Path exe) throws Exception {
    profile = Files.createTempDirectory("vtdsim-chromium");
    process = new ProcessBuilder(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=1200,900", "about:blank")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String browserUrl = devToolsUrl(process);
    String port = URI.create(browserUrl).getPort() + "";
    HttpClient http = HttpClient.newHttpClient();
    JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    String pageUrl = null;
    for (JsonNode t : targets) {
      if (t.path("type").asText().equals("page")) pageUrl = t.path("webSocketDebuggerUrl").asText();
    }
    if (pageUrl == null) throw new IllegalStateException("chromium opened no page: " + targets);
    socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new Listener()).get(GUARD_SECONDS, TimeUnit.SECONDS);
    call("Runtime.enable", JSON.createObjectNode());
    call("Page.enable", JSON.createObjectNode());
    call("Log.enable", JSON.createObjectNode());
  }

  /** Reads stderr up to "DevTools listening on ws://...", then drains the rest in the background. */
  private static String devToolsUrl(Process p) throws IOException {
    BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    Pattern ws = Pattern.compile("DevTools listening on (ws://\\S+)");
    StringBuilder seen = new StringBuilder();
    for (String line; (line = err.readLine()) != null; ) {
      Matcher m = ws.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            while (err.readLine() != null) {
              // discard
            }
          } catch (IOException ignored) {
            // the browser went away
          }
        }, "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        return m.group(1);
      }
      seen.append(line).append('\n');
    }
    throw new IllegalStateException("chromium exited without a DevTools URL:\n" + seen);
  }

  /** Navigates and waits for the load event. */
  void open(String url) throws Exception {
    loaded = new CompletableFuture<>();
    ObjectNode p = JSON.createObjectNode().put("url", url);
    call("Page.navigate", p);
    loaded.get(GUARD_SECONDS, TimeUnit.SECONDS);
  }

  /** The value of a JavaScript expression (promises awaited), as JSON. */
  JsonNode eval(String expression) throws Exception {
    ObjectNode p = JSON.createObjectNode().put("expression", expression).put("awaitPromise", true).put("returnByValue", true);
    JsonNode r = call("Runtime.evaluate", p);
    if (r.has("exceptionDetails")) throw new AssertionError("page threw: " + r.get("exceptionDetails"));
    return r.path("result").path("value");
  }

  /** Evaluates {@code condition} until it is true (the guard stops a page that never gets there). */
  void await(String condition) throws Exception {
    String poll = "new Promise(function(ok){var n=0;(function t(){if(" + condition + ")ok(true);"
        + "else if(++n>" + (GUARD_SECONDS * 10) + ")ok(false);else setTimeout(t,100);})();})";
    if (!eval(poll).asBoolean()) throw new AssertionError("never true in the page: " + condition + "; page errors: " + errors);
  }

  /** Console errors, uncaught exceptions and error log entries the page produced so far. */
  List<String> errors() {
    return List.copyOf(errors);
  }

  /** A PNG of the page as it is laid out (the whole page, beyond the window). */
  byte[] screenshot() throws Exception {
    ObjectNode p = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
    return java.util.Base64.getDecoder().decode(call("Page.captureScreenshot", p).path("data").asText());
  }

  private JsonNode call(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    msg.set("params", params);
    socket.sendText(JSON.writeValueAsString(msg), true).get(GUARD_SECONDS, TimeUnit.SECONDS);
    JsonNode r = f.get(GUARD_SECONDS, TimeUnit.SECONDS);
    if (r.has("error")) throw new IllegalStateException(method + ": " + r.get("error"));
    return r.path("result");
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          handle(JSON.readTree(text));
        } catch (IOException e) {
          errors.add("unreadable DevTools message: " + e);
        }
      }
      ws.request(1);
      return null;
    }
  }

  private void handle(JsonNode m) {
    if (m.has("id")) {
      CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
      if (f != null) f.complete(m);
      return;
    }
    String method = m.path("method").asText();
    JsonNode p = m.path("params");
    switch (method) {
      case "Page.loadEventFired" -> loaded.complete(null);
      case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails").path("exception")
          .path("description").asText(p.path("exceptionDetails").path("text").asText()));
      case "Runtime.consoleAPICalled" -> {
        if (p.path("type").asText().equals("error")) errors.add("console.error: " + p.path("args"));
      }
      case "Log.entryAdded" -> {
        if (p.path("entry").path("level").asText().equals("error")) errors.add("log: " + p.path("entry").path("text").asText()
            + " " + p.path("entry").path("url").asText());
      }
      default -> {
        // other events are of no interest
      }
    }
  }

  @Override
  public void close() throws Exception {
    try {
      socket.abort();
    } finally {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
