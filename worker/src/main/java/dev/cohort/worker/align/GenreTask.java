package dev.cohort.worker.align;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.data.DataError;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * A fine-tuning task made from the Brown corpus: "which genre is this passage?", answered with one word. Documents
 * are split between training and held-out per genre before any passage is cut, so no held-out passage comes from a
 * document seen in training. Everything follows from the seed.
 *
 * <p>Writes sft.jsonl ({prompt, response}), dpo.jsonl ({prompt, chosen: the genre, rejected: another genre drawn
 * at random}) from the training documents, and held-out.jsonl ({prompt, response, choices}) from the others.
 */
public final class GenreTask {
  public static final String SFT = "sft.jsonl";
  public static final String DPO = "dpo.jsonl";
  public static final String HELD_OUT = "held-out.jsonl";
  private static final String BUNDLED_RESOURCE = "/corpus/brown.jsonl.gz";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param genres Brown category letter -> the answer word, in the order the prompt lists them
   * @param passageWords words per passage (whitespace-separated)
   * @param trainPerGenre passages per genre for training (fewer if the genre's documents run out)
   * @param heldOutPerGenre passages per genre held out
   * @param heldOutFraction share of each genre's documents held out (at least one)
   * @param dpoPairs preference pairs, made from the first training passages (the reference pass costs a forward each)
   * @param seed fixes the document split, the passages and DPO's rejected answers
   */
  public record Settings(Map<String, String> genres, int passageWords, int trainPerGenre, int heldOutPerGenre,
      double heldOutFraction, int dpoPairs, long seed) {
    public Settings {
      if (genres.size() < 2) throw new DataError("a genre task needs at least two genres, got " + genres.keySet());
      if (passageWords <= 0 || trainPerGenre <= 0 || heldOutPerGenre <= 0 || dpoPairs <= 0) {
        throw new DataError("passage words, passages per genre and DPO pairs must be positive");
      }
      if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
        throw new DataError("held-out fraction must be in (0, 1), got " + heldOutFraction);
      }
      genres = Collections.unmodifiableMap(new LinkedHashMap<>(genres));
    }

    String question() {
      List<String> words = List.copyOf(genres.values());
      String listed = String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
      return "Genre of this passage (" + listed + ")? One word.\n\n";
    }
  }

  /** A passage and its genre word. */
  record Example(String passage, String answer) {}

  /** How many examples went into each file. */
  public record Counts(int train, int dpo, int heldOut) {}

  private GenreTask() {}

  /** @param corpus "bundled" or a JSON-lines file (optionally .gz) with id, category and text */
  public static Counts write(String corpus, Path outDir, Settings settings) {
    Map<String, List<String[]>> documents = documents(corpus, settings.genres().keySet());
    List<Example> train = new ArrayList<>();
    List<Example> heldOut = new ArrayList<>();
    for (Map.Entry<String, String> genre : settings.genres().entrySet()) {
      List<String[]> docs = new ArrayList<>(documents.getOrDefault(genre.getKey(), List.of()));
      if (docs.size() < 2) {
        throw new DataError("genre '" + genre.getKey() + "' has " + docs.size() + " documents; need at least 2");
      }
      Random random = new Random(settings.seed() * 31 + genre.getKey().hashCode());
      Collections.shuffle(docs, random);
      int held = Math.max(1, (int) Math.round(docs.size() * settings.heldOutFraction()));
      heldOut.addAll(passages(docs.subList(0, held), genre.getValue(), settings.passageWords(),
          settings.heldOutPerGenre(), random));
      train.addAll(passages(docs.subList(held, docs.size()), genre.getValue(), settings.passageWords(),
          settings.trainPerGenre(), random));
    }
    Random order = new Random(settings.seed());
    Collections.shuffle(train, order);
    Collections.shuffle(heldOut, order);
    writeFiles(outDir, settings, train, heldOut, order);
    return new Counts(train.size(), Math.min(train.size(), settings.dpoPairs()), heldOut.size());
  }

  /** Up to {@code count} non-overlapping passages, drawn at random from every passage of these documents. */
  private static List<Example> passages(List<String[]> docs, String answer, int words, int count, Random random) {
    List<Example> all = new ArrayList<>();
    for (String[] doc : docs) {
      for (int start = 0; start + words <= doc.length; start += words) {
        all.add(new Example(String.join(" ", Arrays.copyOfRange(doc, start, start + words)), answer));
      }
    }
    Collections.shuffle(all, random);
    return all.subList(0, Math.min(count, all.size()));
  }

  private static void writeFiles(Path outDir, Settings settings, List<Example> train, List<Example> heldOut,
      Random random) {
    List<String> answers = List.copyOf(settings.genres().values());
    try {
      Files.createDirectories(outDir);
      try (BufferedWriter sft = Files.newBufferedWriter(outDir.resolve(SFT));
          BufferedWriter dpo = Files.newBufferedWriter(outDir.resolve(DPO))) {
        for (Example e : train) {
          ObjectNode line = prompt(settings, e);
          line.put("response", e.answer());
          sft.write(line + "\n");
        }
        for (Example e : train.subList(0, Math.min(train.size(), settings.dpoPairs()))) {
          ObjectNode pair = prompt(settings, e);
          pair.put("chosen", e.answer());
          pair.put("rejected", otherThan(e.answer(), answers, random));
          dpo.write(pair + "\n");
        }
      }
      try (BufferedWriter held = Files.newBufferedWriter(outDir.resolve(HELD_OUT))) {
        for (Example e : heldOut) {
          ObjectNode line = prompt(settings, e);
          line.put("response", e.answer());
          answers.forEach(line.putArray("choices")::add);
          held.write(line + "\n");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the task to " + outDir, e);
    }
  }

  private static ObjectNode prompt(Settings settings, Example e) {
    ObjectNode line = JSON.createObjectNode();
    line.put("prompt", settings.question() + e.passage());
    return line;
  }

  private static String otherThan(String answer, List<String> answers, Random random) {
    List<String> others = new ArrayList<>(answers);
    others.remove(answer);
    return others.get(random.nextInt(others.size()));
  }

  /** Each wanted genre's documents as words, in id order. */
  private static Map<String, List<String[]>> documents(String corpus, Set<String> genres) {
    Map<String, List<String[]>> byGenre = new TreeMap<>();
    Map<String, String[]> byId = new TreeMap<>();
    Map<String, String> genreOf = new TreeMap<>();
    try (BufferedReader reader = open(corpus)) {
      long number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        if (line.isBlank()) continue;
        JsonNode doc = JSON.readTree(line);
        JsonNode id = doc.get("id");
        JsonNode category = doc.get("category");
        JsonNode text = doc.get("text");
        if (id == null || category == null || text == null) {
          throw new DataError(corpus + " line " + number + ": needs fields id, category and text");
        }
        if (!genres.contains(category.asText())) continue;
        byId.put(id.asText(), text.asText().trim().split("\\s+"));
        genreOf.put(id.asText(), category.asText());
      }
    } catch (IOException e) {
      throw new DataError("cannot read " + corpus + ": " + e.getMessage(), e);
    }
    byId.forEach((id, words) -> byGenre.computeIfAbsent(genreOf.get(id), g -> new ArrayList<>()).add(words));
    return byGenre;
  }

  private static BufferedReader open(String corpus) throws IOException {
    InputStream raw = corpus.equals("bundled") ? GenreTask.class.getResourceAsStream(BUNDLED_RESOURCE)
        : Files.newInputStream(Path.of(corpus));
    if (raw == null) throw new DataError("bundled corpus " + BUNDLED_RESOURCE + " missing from the class path");
    InputStream text = corpus.endsWith(".gz") || corpus.equals("bundled") ? new GZIPInputStream(raw) : raw;
    return new BufferedReader(new InputStreamReader(text, StandardCharsets.UTF_8));
  }
}
