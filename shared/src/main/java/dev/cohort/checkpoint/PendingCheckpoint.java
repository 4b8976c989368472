package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.metrics.CheckpointMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A checkpoint being written: files go into {@link #dir()}, a staging directory no reader looks at, and
 * {@link #commit} makes it visible all at once. Closing it without committing deletes what was staged, so
 * {@code try (PendingCheckpoint p = store.begin(step)) { ...; p.commit(state); }} never leaves debris behind.
 */
public final class PendingCheckpoint implements AutoCloseable {
  private final CheckpointStore store;
  private final long step;
  private final Path dir;
  private final long beganNanos = System.nanoTime();
  private boolean finished;

  PendingCheckpoint(CheckpointStore store, long step, Path dir) {
    this.store = store;
    this.step = step;
    this.dir = dir;
  }

  public long step() {
    return step;
  }

  /** The staging directory. Workers sharing the file system may write their shard files here directly. */
  public Path dir() {
    return dir;
  }

  /** Where to write the file of this name (a plain name: letters, digits, '.', '_', '-'). */
  public Path file(String name) {
    ManifestFile.requireValidName(name);
    return dir.resolve(name);
  }

  /**
   * Commits every file now in {@link #dir()}: each is fsynced and checksummed here, then the manifest is written
   * and the checkpoint renamed into place, and older checkpoints beyond the store's {@code keep} are deleted.
   *
   * @param state the trainer's state to restore from: data position, RNG state, config (a JSON object)
   */
  public Checkpoint commit(JsonNode state) throws IOException {
    List<ManifestFile> files = new ArrayList<>();
    for (Path file : entries(dir)) {
      if (!Files.isRegularFile(file)) throw new CheckpointError(file, "is not a regular file");
      files.add(DurableFiles.describe(file));
    }
    return commitManifest(state, files);
  }

  /**
   * Commits files already written, fsynced and described by their writers ({@link ManifestFile#describe}), as
   * workers writing shards in parallel will: only their presence and sizes are checked here, not their bytes.
   * The directory must hold exactly these files.
   */
  public Checkpoint commitManifest(JsonNode state, List<ManifestFile> files) throws IOException {
    if (finished) throw new IllegalStateException("checkpoint step " + step + " was already committed or aborted");
    Checkpoint committed = store.commit(this, state, files);
    finished = true;
    CheckpointMetrics.committed(System.nanoTime() - beganNanos);
    return committed;
  }

  /** Deletes the staging directory unless the checkpoint was committed. */
  @Override
  public void close() throws IOException {
    if (finished) return;
    finished = true;
    store.abort(this);
  }

  /** Everything in a staging directory, sorted by name so manifests list files in a stable order. */
  static List<Path> entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
