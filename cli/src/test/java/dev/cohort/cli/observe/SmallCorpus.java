package dev.cohort.cli.observe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The first documents of the bundled Brown corpus as a JSON-lines file: real text, prepared in a second where the
 * whole corpus takes a minute on a loaded machine, and enough of it for a few steps and a validation split.
 */
public final class SmallCorpus {
  private static final String BUNDLED = "/corpus/brown.jsonl.gz";
  private static final int DOCUMENTS = 40;

  private SmallCorpus() {}

  public static Path write(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    try (InputStream raw = SmallCorpus.class.getResourceAsStream(BUNDLED)) {
      if (raw == null) throw new IOException(BUNDLED + " missing from the class path");
      BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null && lines.size() < DOCUMENTS; line = in.readLine()) {
        lines.add(line);
      }
    }
    return Files.write(file, lines, StandardCharsets.UTF_8);
  }
}
