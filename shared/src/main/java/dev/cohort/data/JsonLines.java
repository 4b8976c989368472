package dev.cohort.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Reads the text field of each non-blank line of a JSON-lines stream, naming the line of any bad input. */
final class JsonLines {
  // Trailing tokens are an error: '{"text": "a"} junk' is not one JSON value.
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonLines() {}

  /** Number of non-blank lines: the documents {@link #forEachText} will deliver if every line is valid. */
  static long countDocuments(InputStream in) throws IOException {
    long count = 0;
    BufferedReader reader = utf8(in);
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      if (!line.isBlank()) count++;
    }
    return count;
  }

  /** Hands the text of {@code field} of each non-blank line to {@code sink}, in order. */
  static void forEachText(InputStream in, String sourceName, String field, Documents.Sink sink)
      throws IOException {
    BufferedReader reader = utf8(in);
    long lineNumber = 0;
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      lineNumber++;
      if (!line.isBlank()) sink.accept(text(line, sourceName + " line " + lineNumber, field));
    }
  }

  private static String text(String line, String where, String field) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new DataError(where + ": not valid JSON: " + withoutSourceLocation(e.getOriginalMessage())
          + " (column " + e.getLocation().getColumnNr() + ")");
    }
    if (!node.isObject()) throw new DataError(where + ": expected a JSON object, found " + kind(node));
    JsonNode value = node.get(field);
    if (value == null) throw new DataError(where + ": field '" + field + "' is missing");
    if (!value.isTextual()) {
      throw new DataError(where + ": field '" + field + "' is not a string (found " + kind(value) + ")");
    }
    return value.textValue();
  }

  /** Jackson names where an unclosed value started by an opaque "[Source: ...]"; the column says enough. */
  private static String withoutSourceLocation(String message) {
    return message.replaceAll("\\s*\\(start marker at \\[Source:.*$", "");
  }

  private static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase();
  }

  private static BufferedReader utf8(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }
}
