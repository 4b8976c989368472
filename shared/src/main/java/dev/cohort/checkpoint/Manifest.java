package dev.cohort.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a checkpoint directory holds, written last: its presence (with every file matching it) is what makes the
 * checkpoint complete.
 *
 * @param version format version of this manifest
 * @param step optimizer steps done when the checkpoint was taken
 * @param time when the checkpoint was committed
 * @param state the trainer's own state, free-form: data position, RNG state, config
 * @param files every file of the checkpoint, with size and checksum
 */
public record Manifest(int version, long step, Instant time, JsonNode state, List<ManifestFile> files) {
  public static final String FILE_NAME = "manifest.json";
  public static final int VERSION = 1;
  /** Names the kind of document, so a stray JSON file is not taken for a manifest. */
  static final String FORMAT = "cohort-checkpoint";

  public Manifest {
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    if (!state.isObject()) throw new IllegalArgumentException("state must be a JSON object, got " + state);
    state = state.deepCopy();
    files = List.copyOf(files);
    Set<String> names = new HashSet<>();
    for (ManifestFile f : files) {
      if (!names.add(f.name())) throw new IllegalArgumentException("file '" + f.name() + "' listed twice");
    }
  }

  /** A copy: the manifest stays as it was written. */
  @Override
  public JsonNode state() {
    return state.deepCopy();
  }

  byte[] toJson() throws IOException {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("format", FORMAT).put("version", version).put("step", step).put("time", time.toString());
    root.set("state", state);
    ArrayNode list = root.putArray("files");
    for (ManifestFile f : files) list.addObject().put("name", f.name()).put("bytes", f.bytes()).put("sha256", f.sha256());
    return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  /** Reads and checks a manifest; every problem is a {@link CheckpointError} whose text starts with its name. */
  static Manifest read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw problem(file, "missing");
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw problem(file, "is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
      throw problem(file, "is not a " + FORMAT + " manifest");
    }
    int version = root.path("version").asInt(-1);
    if (version != VERSION) throw problem(file, "has version " + root.get("version") + ", this code reads " + VERSION);
    try {
      return new Manifest(version, required(file, root, "step").asLong(-1), Instant.parse(
          required(file, root, "time").asText()), required(file, root, "state"), files(file, root));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw problem(file, e.getMessage());
    }
  }

  private static List<ManifestFile> files(Path file, JsonNode root) {
    JsonNode list = required(file, root, "files");
    if (!list.isArray()) throw problem(file, "field 'files' is not an array");
    List<ManifestFile> files = new ArrayList<>();
    for (JsonNode f : list) {
      files.add(new ManifestFile(required(file, f, "name").asText(), required(file, f, "bytes").asLong(-1),
          required(file, f, "sha256").asText()));
    }
    return files;
  }

  private static JsonNode required(Path file, JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) throw problem(file, "field '" + field + "' is missing");
    return value;
  }

  private static CheckpointError problem(Path file, String problem) {
    return new CheckpointError(file, FILE_NAME + " " + problem);
  }
}
