package io.vtdsim.harness.scenario;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML document as a small tree whose every node knows its source line, read with Jackson's YAML
 * streaming parser (Jackson's own tree model forgets locations).
 */
final class YamlTree {
  private YamlTree() {}

  sealed interface Node {
    int line();
  }

  /** A mapping; {@code keyLines} holds the line of each key. */
  record MapNode(int line, Map<String, Node> entries, Map<String, Integer> keyLines) implements Node {}

  record ListNode(int line, List<Node> items) implements Node {}

  /** A scalar; {@code text} is null for YAML null ({@code ~}, empty). */
  record ScalarNode(int line, String text, JsonToken token) implements Node {
    boolean isNull() {
      return token == JsonToken.VALUE_NULL;
    }

    boolean isString() {
      return token == JsonToken.VALUE_STRING;
    }

    boolean isBoolean() {
      return token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
    }
  }

  private static final YAMLFactory FACTORY = new YAMLFactory();
  /**
   * Deepest nesting of maps and lists a scenario may have. The deepest real scenario needs about 10
   * (repeats inside repeats); the limit keeps the recursive reader far from the stack's end and names
   * the line, where Jackson's own limit (1000) would not.
   */
  static final int MAX_DEPTH = 64;

  /** Parses one YAML document; syntax errors become a {@link ScenarioException} with key "yaml". */
  static Node parse(String yaml, String source) {
    JsonParser p = null;
    try {
      p = FACTORY.createParser(yaml);
      JsonToken first = p.nextToken();
      if (first == null) throw new ScenarioException(source, 1, "yaml", "empty document");
      Node root = read(p, source, 1);
      JsonToken extra = p.nextToken();
      if (extra != null) {
        throw new ScenarioException(source, line(p), "yaml", "more than one YAML document; a scenario file holds one");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw syntaxError(source, e, p);
    } catch (IOException e) {
      throw new ScenarioException(source, 0, "yaml", "cannot read: " + e.getMessage(), e);
    } finally {
      closeQuietly(p);
    }
  }

  private static void closeQuietly(JsonParser p) {
    if (p == null) return;
    try {
      p.close();
    } catch (IOException | RuntimeException ignored) {
      // nothing was written; a parser that cannot close holds only the string it read
    }
  }

  private static final Pattern MARK = Pattern.compile("^ in '[^']*', line (\\d+), column \\d+:$");

  /**
   * SnakeYAML's message is "context / mark / snippet / problem / mark / snippet": keep the sentences
   * (unindented lines) and take the line from the last mark, which is where the problem is.
   */
  private static ScenarioException syntaxError(String source, JsonProcessingException e, JsonParser p) {
    int line = e.getLocation() != null ? e.getLocation().getLineNr() : 0;
    // a Jackson limit (StreamReadConstraints) carries no location: take where the parser stopped
    if (line <= 0 && p != null && p.currentLocation() != null) line = p.currentLocation().getLineNr();
    List<String> sentences = new ArrayList<>();
    String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    for (String l : msg.split("\n")) {
      Matcher m = MARK.matcher(l);
      if (m.matches()) {
        line = Integer.parseInt(m.group(1));
      } else if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
        sentences.add(l.strip());
      }
    }
    return new ScenarioException(source, line, "yaml", "syntax error: " + String.join("; ", sentences), e);
  }

  private static int line(JsonParser p) {
    return p.currentTokenLocation().getLineNr();
  }

  private static Node read(JsonParser p, String source, int depth) throws IOException {
    JsonToken t = p.currentToken();
    int line = line(p);
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && depth > MAX_DEPTH) {
      throw new ScenarioException(source, line, "yaml", "nested deeper than " + MAX_DEPTH
          + " maps and lists (a scenario needs far fewer; flatten nested repeats)");
    }
    switch (t) {
      case START_OBJECT -> {
        Map<String, Node> entries = new LinkedHashMap<>();
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          int keyLine = line(p);
          if (entries.containsKey(key)) {
            throw new ScenarioException(source, keyLine, key, "duplicate key (first at line " + keyLines.get(key) + ")");
          }
          p.nextToken();
          entries.put(key, read(p, source, depth + 1));
          keyLines.put(key, keyLine);
        }
        return new MapNode(line, entries, keyLines);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) items.add(read(p, source, depth + 1));
        return new ListNode(line, items);
      }
      default -> {
        return new ScalarNode(line, t == JsonToken.VALUE_NULL ? null : p.getText(), t);
      }
    }
  }
}
