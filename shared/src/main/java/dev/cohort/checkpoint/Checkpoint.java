package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A complete checkpoint: a directory whose manifest parsed and whose files all matched it when it was found.
 *
 * @param dir the checkpoint directory, {@code step-%08d}
 * @param manifest what the directory holds
 */
public record Checkpoint(Path dir, Manifest manifest) {
  public long step() {
    return manifest.step();
  }

  /** The state the trainer committed with this checkpoint (a copy). */
  public JsonNode state() {
    return manifest.state();
  }

  public Instant time() {
    return manifest.time();
  }

  public List<ManifestFile> files() {
    return manifest.files();
  }

  /** Path of one of this checkpoint's files; a name the manifest does not list is an error. */
  public Path path(String fileName) {
    if (files().stream().noneMatch(f -> f.name().equals(fileName))) {
      throw new CheckpointError(dir, "checkpoint has no file '" + fileName + "'; it has "
          + files().stream().map(ManifestFile::name).toList());
    }
    return dir.resolve(fileName);
  }
}
