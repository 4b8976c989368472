package dev.cohort.checkpoint;

import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every tensor of a checkpoint by global name, whichever of its safetensors files holds it: one model.safetensors
 * and one optimizer.safetensors from a single worker, or the shards of a distributed run under any placement. This
 * is what makes a checkpoint load into another placement: each reader asks only for the names it holds.
 */
public final class CheckpointTensors {
  private static final String SAFETENSORS = ".safetensors";

  private final Path dir;
  private final Map<String, SafetensorsFile> byName;

  private CheckpointTensors(Path dir, Map<String, SafetensorsFile> byName) {
    this.dir = dir;
    this.byName = byName;
  }

  public static CheckpointTensors of(Checkpoint checkpoint) {
    return of(checkpoint.dir(), checkpoint.files().stream().map(ManifestFile::name).toList());
  }

  /** The tensors of the listed files of {@code dir}; files other than safetensors are ignored. */
  public static CheckpointTensors of(Path dir, List<String> fileNames) {
    Map<String, SafetensorsFile> byName = new HashMap<>();
    for (String fileName : fileNames) {
      if (!fileName.endsWith(SAFETENSORS)) continue;
      Path file = dir.resolve(fileName);
      try {
        SafetensorsFile reader = Safetensors.read(file);
        for (String name : reader.names()) {
          SafetensorsFile other = byName.putIfAbsent(name, reader);
          if (other != null) {
            throw new CheckpointError(file, "tensor '" + name + "' is also in " + other.file().getFileName());
          }
        }
      } catch (IOException e) {
        throw new CheckpointError(file, "cannot read: " + e, e);
      }
    }
    return new CheckpointTensors(dir, byName);
  }

  /** The checkpoint directory, for messages. */
  public Path dir() {
    return dir;
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The named tensor, a view of its file's bytes; a name no file holds is a {@link CheckpointError}. */
  public HostTensor get(String name) {
    SafetensorsFile file = byName.get(name);
    if (file == null) throw new CheckpointError(dir, "no tensor '" + name + "' in any file of the checkpoint");
    try {
      return file.tensor(name);
    } catch (IOException e) {
      throw new CheckpointError(file.file(), "cannot read tensor '" + name + "': " + e, e);
    }
  }
}
