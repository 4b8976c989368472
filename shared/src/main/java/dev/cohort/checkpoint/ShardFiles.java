package dev.cohort.checkpoint;

import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One worker's shard of a distributed checkpoint: model-SUFFIX.safetensors and optimizer-SUFFIX.safetensors, tensors
 * named as in a single worker's files, so a checkpoint loads by global name into any placement.
 */
public final class ShardFiles {
  private ShardFiles() {}

  /** Writes the shard's two files into {@code dir}, fsyncs them and describes them for the manifest. */
  public static List<ManifestFile> write(Path dir, String suffix, Map<String, HostTensor> model,
      Map<String, HostTensor> moments) throws IOException {
    Path modelFile = dir.resolve("model-" + suffix + ".safetensors");
    Path optimizerFile = dir.resolve("optimizer-" + suffix + ".safetensors");
    Safetensors.write(modelFile, model, Map.of("format", "pt"));
    Safetensors.write(optimizerFile, moments, Map.of("format", "pt"));
    return List.of(ManifestFile.describe(modelFile), ManifestFile.describe(optimizerFile));
  }
}
