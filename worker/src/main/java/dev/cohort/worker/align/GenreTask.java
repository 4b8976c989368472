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
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * A fine-tuning task made from the Brown corpus: "which genre is this passage?", answered with one word. Each genre's
 * documents are split three ways (held-out, dev, training) before any passage is cut, so no dev or held-out passage
 * comes from a document seen in training. Everything follows from the seed.
 *
 * <p>Writes sft.jsonl ({prompt, response}) and dpo.jsonl ({prompt, chosen: the genre, rejected: each other genre in
 * turn}) from disjoint passages of the training documents, so preference tuning sees passages SFT never saw; and
 * dev.jsonl and held-out.jsonl ({prompt, response, choices}) from their own documents, with dev's passages also as
 * dev-dpo.jsonl pairs (for DPO's val_loss). Recipes are tuned on dev; held-out is measured once.
 */
public final class GenreTask {
  public static final String SFT = "sft.jsonl";
  public static final String DPO = "dpo.jsonl";
  public static final String DEV = "dev.jsonl";
  public static final String DEV_PAIRS = "dev-dpo.jsonl";
  public static final String HELD_OUT = "held-out.jsonl";
  private static final String BUNDLED_RESOURCE = "/corpus/brown.jsonl.gz";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param genres Brown category letter -> the answer word, in the order the prompt lists them
   * @param passageWords words per passage (whitespace-separated)
   * @param perGenre passages per genre in each file (fewer if the genre's documents run out)
   * @param heldOutFraction share of each genre's documents held out (at least one)
   * @param devFraction share of each genre's documents kept for dev (at least one)
   * @param seed fixes the document split, the passages and their order
   */
  public record Settings(Map<String, String> genres, int passageWords, PerGenre perGenre, double heldOutFraction,
      double devFraction, long seed) {
    public Settings {
      if (genres.size() < 2) throw new DataError("a genre task needs at least two genres, got " + genres.keySet());
      if (passageWords <= 0) throw new DataError("passage words must be positive, got " + passageWords);
      if (!(heldOutFraction > 0 && devFraction > 0 && heldOutFraction + devFraction < 1)) {
        throw new DataError("held-out and dev fractions must be positive with a sum below 1, got "
            + heldOutFraction + " and " + devFraction);
      }
      genres = Collections.unmodifiableMap(new LinkedHashMap<>(genres));
    }

    String question() {
      List<String> words = List.copyOf(genres.values());
      String listed = String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
      return "Genre of this passage (" + listed + ")? One word.\n\n";
    }
  }

  /** Passages per genre for SFT, for DPO (each makes one pair per other genre), for dev and for held-out. */
  public record PerGenre(int sft, int dpo, int dev, int heldOut) {
    public PerGenre {
      if (sft <= 0 || dpo <= 0 || dev <= 0 || heldOut <= 0) {
        throw new DataError("passages per genre must be positive, got " + this);
      }
    }
  }

  /** A passage and its genre word. */
  record Example(String passage, String answer) {}

  /** How many lines went into each file. */
  public record Counts(int sft, int dpo, int dev, int heldOut) {}

  private record Split(List<Example> sft, List<Example> dpo, List<Example> dev, List<Example> heldOut) {
    Split() {
      this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }
  }

  private GenreTask() {}

  /** @param corpus "bundled" or a JSON-lines file (optionally .gz) with id, category and text */
  public static Counts write(String corpus, Path outDir, Settings settings) {
    Map<String, List<String[]>> documents = documents(corpus, settings.genres().keySet());
    Split split = new Split();
    for (Map.Entry<String, String> genre : settings.genres().entrySet()) {
      addGenre(documents.getOrDefault(genre.getKey(), List.of()), genre.getKey(), genre.getValue(), settings, split);
    }
    Random order = new Random(settings.seed());
    for (List<Example> part : List.of(split.sft(), split.dpo(), split.dev(), split.heldOut())) {
      Collections.shuffle(part, order);
    }
    List<String> answers = List.copyOf(settings.genres().values());
    try {
      Files.createDirectories(outDir);
      write(outDir.resolve(SFT), split.sft(), e -> List.of(answered(settings, e)));
      int pairs = write(outDir.resolve(DPO), split.dpo(), e -> preferences(settings, e, answers));
      write(outDir.resolve(DEV), split.dev(), e -> List.of(question(settings, e, answers)));
      write(outDir.resolve(DEV_PAIRS), split.dev(), e -> preferences(settings, e, answers));
      write(outDir.resolve(HELD_OUT), split.heldOut(), e -> List.of(question(settings, e, answers)));
      return new Counts(split.sft().size(), pairs, split.dev().size(), split.heldOut().size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the task to " + outDir, e);
    }
  }

  private static void addGenre(List<String[]> genreDocs, String letter, String answer, Settings settings,
      Split split) {
    List<String[]> docs = new ArrayList<>(genreDocs);
    if (docs.size() < 3) {
      throw new DataError("genre '" + letter + "' has " + docs.size() + " documents; need at least 3 "
          + "(held-out, dev, training)");
    }
    Random random = new Random(settings.seed() * 31 + letter.hashCode());
    Collections.shuffle(docs, random);
    int held = Math.max(1, (int) Math.round(docs.size() * settings.heldOutFraction()));
    int dev = Math.max(1, (int) Math.round(docs.size() * settings.devFraction()));
    if (held + dev >= docs.size()) {
      throw new DataError("genre '" + letter + "' has " + docs.size() + " documents, none left for training after "
          + held + " held out and " + dev + " for dev");
    }
    PerGenre counts = settings.perGenre();
    int words = settings.passageWords();
    split.heldOut().addAll(passages(docs.subList(0, held), answer, words, counts.heldOut(), random));
    split.dev().addAll(passages(docs.subList(held, held + dev), answer, words, counts.dev(), random));
    List<Example> train = passages(docs.subList(held + dev, docs.size()), answer, words,
        counts.sft() + counts.dpo(), random);
    int sft = Math.min(counts.sft(), train.size() * counts.sft() / (counts.sft() + counts.dpo()));
    split.sft().addAll(train.subList(0, sft));
    split.dpo().addAll(train.subList(sft, train.size()));
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
    return new ArrayList<>(all.subList(0, Math.min(count, all.size())));
  }

  /** Writes the lines each example makes; returns how many. */
  private static int write(Path file, List<Example> examples, Function<Example, List<ObjectNode>> lines)
      throws IOException {
    int count = 0;
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      for (Example e : examples) {
        for (ObjectNode line : lines.apply(e)) {
          out.write(line + "\n");
          count++;
        }
      }
    }
    return count;
  }

  private static ObjectNode answered(Settings settings, Example e) {
    ObjectNode line = prompt(settings, e);
    line.put("response", e.answer());
    return line;
  }

  private static List<ObjectNode> preferences(Settings settings, Example e, List<String> answers) {
    List<ObjectNode> pairs = new ArrayList<>();
    for (String rejected : answers) {
      if (rejected.equals(e.answer())) continue;
      ObjectNode pair = prompt(settings, e);
      pair.put("chosen", e.answer());
      pair.put("rejected", rejected);
      pairs.add(pair);
    }
    return pairs;
  }

  private static ObjectNode question(Settings settings, Example e, List<String> answers) {
    ObjectNode line = answered(settings, e);
    answers.forEach(line.putArray("choices")::add);
    return line;
  }

  private static ObjectNode prompt(Settings settings, Example e) {
    ObjectNode line = JSON.createObjectNode();
    line.put("prompt", settings.question() + e.passage());
    return line;
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
