package dev.cohort.worker.align;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.data.DataError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * Reads the JSON-lines files of fine-tuning: SFT conversations ({"prompt", "response"} or {"messages": [{"role",
 * "content"}, ...]}), DPO preferences ({"prompt", "chosen", "rejected"}) and multiple-choice questions ({"prompt",
 * "response", "choices"}). Bad input fails with the file and line.
 */
public final class ExampleFile {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private ExampleFile() {}

  public static List<List<Turn>> conversations(Path file) {
    return read(file, ExampleFile::conversation);
  }

  public static List<Preference> preferences(Path file) {
    return read(file, line -> new Preference(List.of(Turn.user(text(line, "prompt"))), text(line, "chosen"),
        text(line, "rejected")));
  }

  public static List<Choice> choices(Path file) {
    return read(file, line -> {
      List<String> candidates = new ArrayList<>();
      JsonNode array = line.get("choices");
      if (array == null || !array.isArray() || array.isEmpty()) throw new IllegalArgumentException(
          "field 'choices' must be a non-empty array of strings");
      for (JsonNode c : array) candidates.add(textOf(c, "choices[]"));
      String answer = text(line, "response");
      if (!candidates.contains(answer)) {
        throw new IllegalArgumentException("response '" + answer + "' is not one of the choices " + candidates);
      }
      return new Choice(List.of(Turn.user(text(line, "prompt"))), List.copyOf(candidates), answer);
    });
  }

  private static List<Turn> conversation(JsonNode line) {
    JsonNode messages = line.get("messages");
    if (messages == null) return List.of(Turn.user(text(line, "prompt")), Turn.assistant(text(line, "response")));
    if (!messages.isArray() || messages.isEmpty()) {
      throw new IllegalArgumentException("field 'messages' must be a non-empty array");
    }
    List<Turn> turns = new ArrayList<>();
    for (JsonNode m : messages) {
      String role = text(m, "role");
      if (!Turn.ROLES.contains(role)) {
        throw new IllegalArgumentException("role '" + role + "' is not one of " + Turn.ROLES);
      }
      turns.add(new Turn(role, text(m, "content")));
    }
    if (turns.stream().noneMatch(t -> t.role().equals(Turn.ASSISTANT))) {
      throw new IllegalArgumentException("no assistant message: nothing to train on");
    }
    return turns;
  }

  private static <T> List<T> read(Path file, Function<JsonNode, T> parse) {
    if (!Files.isRegularFile(file)) throw new DataError("example file not found: " + file);
    List<T> out = new ArrayList<>();
    try (BufferedReader reader = open(file)) {
      long number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        if (line.isBlank()) continue;
        try {
          JsonNode node = JSON.readTree(line);
          if (!node.isObject()) throw new IllegalArgumentException("expected a JSON object");
          out.add(parse.apply(node));
        } catch (IOException | IllegalArgumentException e) {
          throw new DataError(file + " line " + number + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new DataError("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (out.isEmpty()) throw new DataError(file + " holds no examples");
    return out;
  }

  private static BufferedReader open(Path file) throws IOException {
    var in = Files.newInputStream(file);
    var text = file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
    return new BufferedReader(new InputStreamReader(text, StandardCharsets.UTF_8));
  }

  private static String text(JsonNode node, String field) {
    return textOf(node.get(field), field);
  }

  private static String textOf(JsonNode value, String field) {
    if (value == null) throw new IllegalArgumentException("field '" + field + "' is missing");
    if (!value.isTextual()) throw new IllegalArgumentException("field '" + field + "' is not a string");
    return value.textValue();
  }
}
