package dev.cohort.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/** Small JSON-lines corpora for tests. */
final class Corpora {
  static final String EOT_TEXT = "<|endoftext|>";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Corpora() {}

  /** {@code count} distinct documents with some non-ASCII text and newlines. */
  static List<String> documents(int count) {
    List<String> docs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      docs.add("Document " + i + ": the café on 5th street.\nIt rained " + i * 7 + " days — naïvely.");
    }
    return docs;
  }

  /** One JSON object a line, {"id": i, "text": doc}. */
  static List<String> lines(List<String> docs) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      lines.add(JSON.writeValueAsString(Map.of("id", i, "text", docs.get(i))));
    }
    return lines;
  }

  static Path write(Path file, List<String> lines) throws IOException {
    return Files.write(file, lines, StandardCharsets.UTF_8);
  }

  static Path writeGzip(Path file, List<String> lines) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  /** The documents back out of a decoded split, each of which ended with end-of-text. */
  static List<String> splitDecoded(String decoded) {
    List<String> docs = new ArrayList<>(List.of(decoded.split(Pattern.quote(EOT_TEXT), -1)));
    if (!docs.remove(docs.size() - 1).isEmpty()) throw new AssertionError("split does not end with end-of-text");
    return docs;
  }

  static int[] all(TokenFile file) {
    int[] tokens = new int[Math.toIntExact(file.size())];
    file.read(0, tokens);
    return tokens;
  }
}
