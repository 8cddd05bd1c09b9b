package io.vtdsim.harness.explore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The JSON-lines result of one campaign process ({@code explore --json-lines FILE}) and the merge of
 * several ({@code vtdsim explore-merge}). One object per line, each with a {@code type}:
 *
 * <ul>
 *   <li>{@code campaign} (first line): {@code seed}, {@code runs} (null when only time bounds it),
 *       {@code shard} ("I/N"), {@code steps}, {@code apis}, {@code sets}, {@code base} — what a merge
 *       requires to be equal across files — and {@code jobs}, {@code time}, {@code continue};
 *   <li>{@code failure}: a seed whose run did not pass: {@code seed}, {@code outcome}, {@code mechanisms}
 *       ({@link Mechanism#key()}s);
 *   <li>{@code finding}: a distinct finding: {@code key}, {@code kind}, {@code step}, {@code lazy},
 *       {@code flush}, {@code seed}, {@code originalSteps}, {@code shrunkSteps}, {@code shrinkRuns},
 *       {@code scenario} (the shrunk scenario's YAML);
 *   <li>{@code summary} (last line): {@code scenarios}, {@code steps}, {@code lastSeed}, {@code failingRuns},
 *       {@code findings}, {@code stop} (seeds | time | finding), {@code exploreMillis}.
 * </ul>
 */
public final class CampaignLog {
  public static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The campaign-line fields every shard of one campaign must agree on. */
  static final List<String> SAME_FIELDS = List.of("seed", "runs", "steps", "apis", "sets", "base");

  private CampaignLog() {}

  /** What the process explored, as the {@code campaign} line states it. */
  public record Header(Campaign.Options options, int steps, String apis, List<String> sets, String base, String time) {}

  /** The lines of one campaign process. */
  public static String write(Header h, Campaign.Summary s, ScenarioWriter writer) {
    StringBuilder out = new StringBuilder();
    Campaign.Options o = h.options();
    ObjectNode c = JSON.createObjectNode();
    c.put("type", "campaign");
    c.put("version", VERSION);
    c.put("seed", o.seed());
    if (o.runs() == null) c.putNull("runs"); else c.put("runs", o.runs());
    c.put("shard", o.shardIndex() + "/" + o.shardCount());
    c.put("steps", h.steps());
    c.put("apis", h.apis());
    ArrayNode sets = c.putArray("sets");
    h.sets().forEach(sets::add);
    if (h.base() == null) c.putNull("base"); else c.put("base", h.base());
    c.put("jobs", o.jobs());
    if (h.time() == null) c.putNull("time"); else c.put("time", h.time());
    c.put("continue", o.keepGoing());
    line(out, c);
    for (Campaign.Failure f : s.failures()) {
      ObjectNode n = JSON.createObjectNode();
      n.put("type", "failure");
      n.put("seed", f.seed());
      n.put("outcome", f.outcome());
      ArrayNode ms = n.putArray("mechanisms");
      f.mechanisms().forEach(m -> ms.add(m.key()));
      line(out, n);
    }
    for (Campaign.Finding f : s.findings()) {
      ObjectNode n = JSON.createObjectNode();
      n.put("type", "finding");
      Mechanism m = f.shrunk() != null && f.shrunk().mechanism() != null ? f.shrunk().mechanism() : f.mechanism();
      n.put("key", f.key());
      n.put("kind", m.kind());
      n.put("step", m.step());
      n.put("lazy", m.lazy());
      if (m.flush() == null) n.putNull("flush"); else n.put("flush", m.flush());
      n.put("seed", f.seed());
      n.put("originalSteps", f.originalSteps());
      if (f.shrunk() != null) {
        n.put("shrunkSteps", f.shrunk().scenario().steps().size());
        n.put("shrinkRuns", f.shrunk().runs());
        n.put("scenario", writer.write(f.shrunk().scenario()));
      }
      line(out, n);
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "summary");
    n.put("scenarios", s.scenarios());
    n.put("steps", s.steps());
    n.put("lastSeed", s.lastSeed());
    n.put("failingRuns", s.failures().size());
    n.put("findings", s.findings().size());
    n.put("stop", s.stop().label());
    n.put("exploreMillis", s.exploreNanos() / 1_000_000);
    line(out, n);
    return out.toString();
  }

  private static void line(StringBuilder out, JsonNode n) {
    try {
      out.append(JSON.writeValueAsString(n)).append('\n');
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A bad line or an inconsistent set of files; the message starts with {@code file:line:} or {@code file:}. */
  public static final class BadLog extends RuntimeException {
    public BadLog(String message) {
      super(message);
    }
  }

  /** A finding as read back: where it came from, and its shrunk scenario's YAML (null when not shrunk). */
  public record MergedFinding(String key, long seed, int originalSteps, Integer shrunkSteps, String flush,
      String scenario, String file) {}

  /**
   * The merge of shard files.
   *
   * @param files the files merged
   * @param shardCount N of the shards
   * @param shards the shard indexes present
   * @param scenarios runs, summed
   * @param steps steps, summed
   * @param failingRuns seeds that did not pass, summed
   * @param findings distinct findings by key, each from the lowest seed any shard showed it at
   * @param complete every shard present, each ran all its seeds (a bounded campaign)
   * @param exploreMillis the longest shard's exploration time
   * @param stops each file's stop reason
   */
  public record Merged(List<String> files, int shardCount, List<Integer> shards, long scenarios, long steps,
      long failingRuns, List<MergedFinding> findings, boolean complete, long exploreMillis, Map<String, String> stops,
      JsonNode campaign) {
    /** The shards missing from 0..N-1. */
    public List<Integer> missingShards() {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < shardCount; i++) if (!shards.contains(i)) out.add(i);
      return out;
    }
  }

  /**
   * Merges the contents of shard files ({@code name → text}).
   *
   * @throws BadLog for a line that is not JSON or lacks a field, a file without campaign or summary line,
   *     files of different campaigns (a {@link #SAME_FIELDS} field differs), or one shard given twice
   */
  public static Merged merge(Map<String, String> files) {
    if (files.isEmpty()) throw new BadLog("no files to merge");
    JsonNode first = null;
    String firstFile = null;
    Integer shardCount = null;
    Map<Integer, String> shardFiles = new TreeMap<>();
    long scenarios = 0;
    long steps = 0;
    long failing = 0;
    long millis = 0;
    boolean complete = true;
    Map<String, MergedFinding> findings = new TreeMap<>();
    Map<String, String> stops = new LinkedHashMap<>();
    for (Map.Entry<String, String> f : files.entrySet()) {
      String file = f.getKey();
      String[] lines = f.getValue().split("\n", -1);
      JsonNode campaign = null;
      JsonNode summary = null;
      for (int i = 0; i < lines.length; i++) {
        String text = lines[i].strip();
        if (text.isEmpty()) continue;
        String where = file + ":" + (i + 1) + ": ";
        JsonNode n;
        try {
          n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          throw new BadLog(where + "not a JSON object: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new BadLog(where + "not a JSON object");
        String type = text(n, "type", where);
        if (campaign == null && !type.equals("campaign")) throw new BadLog(where + "type: the first line must be the campaign line, got " + type);
        if (summary != null) throw new BadLog(where + "type: a line after the summary line");
        switch (type) {
          case "campaign" -> {
            if (campaign != null) throw new BadLog(where + "type: a second campaign line");
            campaign = n;
            if (n.path("version").asInt(-1) != VERSION) throw new BadLog(where + "version: expected " + VERSION + ", got " + n.get("version"));
            String shard = text(n, "shard", where);
            int slash = shard.indexOf('/');
            int index;
            int count;
            try {
              index = Integer.parseInt(shard.substring(0, slash));
              count = Integer.parseInt(shard.substring(slash + 1));
            } catch (RuntimeException e) {
              throw new BadLog(where + "shard: not I/N: " + shard);
            }
            if (first == null) {
              first = n;
              firstFile = file;
              shardCount = count;
            } else {
              for (String key : SAME_FIELDS) {
                if (!Objects.equals(first.get(key), n.get(key))) {
                  throw new BadLog(where + key + ": " + n.get(key) + " differs from " + first.get(key) + " in "
                      + firstFile + " (not shards of one campaign)");
                }
              }
              if (count != shardCount) {
                throw new BadLog(where + "shard: " + shard + " is not one of " + shardCount + " shards as in " + firstFile);
              }
            }
            String other = shardFiles.put(index, file);
            if (other != null) throw new BadLog(where + "shard: " + shard + " is also in " + other);
          }
          case "failure" -> number(n, "seed", where);
          case "finding" -> {
            String key = text(n, "key", where);
            long seed = number(n, "seed", where);
            MergedFinding mf = new MergedFinding(key, seed, (int) number(n, "originalSteps", where),
                n.hasNonNull("shrunkSteps") ? n.get("shrunkSteps").asInt() : null,
                n.hasNonNull("flush") ? n.get("flush").asText() : null,
                n.hasNonNull("scenario") ? n.get("scenario").asText() : null, file);
            MergedFinding had = findings.get(key);
            if (had == null || seed < had.seed()) findings.put(key, mf);
          }
          case "summary" -> summary = n;
          default -> throw new BadLog(where + "type: unknown line type " + type);
        }
      }
      if (campaign == null) throw new BadLog(file + ": empty (no campaign line)");
      if (summary == null) throw new BadLog(file + ": no summary line (did that shard finish?)");
      String where = file + ": summary: ";
      scenarios += number(summary, "scenarios", where);
      steps += number(summary, "steps", where);
      failing += number(summary, "failingRuns", where);
      millis = Math.max(millis, number(summary, "exploreMillis", where));
      String stop = text(summary, "stop", where);
      stops.put(file, stop);
      if (!stop.equals(Campaign.Stop.SEEDS.label())) complete = false;
    }
    complete &= shardFiles.size() == shardCount;
    List<MergedFinding> ordered = new ArrayList<>(findings.values());
    ordered.sort(Comparator.comparingLong(MergedFinding::seed).thenComparing(MergedFinding::key));
    return new Merged(List.copyOf(files.keySet()), shardCount, List.copyOf(new TreeSet<>(shardFiles.keySet())),
        scenarios, steps, failing, ordered, complete, millis, stops, first);
  }

  private static String text(JsonNode n, String key, String where) {
    JsonNode v = n.get(key);
    if (v == null || !v.isTextual()) throw new BadLog(where + key + ": missing or not a string");
    return v.asText();
  }

  private static long number(JsonNode n, String key, String where) {
    JsonNode v = n.get(key);
    if (v == null || !v.isIntegralNumber()) throw new BadLog(where + key + ": missing or not a whole number");
    return v.asLong();
  }
}
