package dev.cohort.checkpoint;

import dev.cohort.tensor.TensorSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One worker's shard of a distributed checkpoint: model-SUFFIX.safetensors and optimizer-SUFFIX.safetensors, tensors
 * named as in a single worker's files, so a checkpoint loads by global name into any placement.
 */
public final class ShardFiles {
  private ShardFiles() {}

  /**
   * Writes and fsyncs the shard's two files into {@code dir}, reading one tensor at a time from its sources; returns
   * the files, for {@link #describe}. The sources must not change meanwhile (the worker writes between steps).
   */
  public static List<Path> write(Path dir, String suffix, Map<String, ? extends TensorSource> model,
      Map<String, ? extends TensorSource> moments) throws IOException {
    Path modelFile = dir.resolve("model-" + suffix + ".safetensors");
    Path optimizerFile = dir.resolve("optimizer-" + suffix + ".safetensors");
    Safetensors.write(modelFile, model, Map.of("format", "pt"));
    Safetensors.write(optimizerFile, moments, Map.of("format", "pt"));
    return List.of(modelFile, optimizerFile);
  }

  /**
   * Describes written files for the manifest (a full read each, for the checksum): needs only the files, so it can
   * run while the engine trains on.
   */
  public static List<ManifestFile> describe(List<Path> files) throws IOException {
    List<ManifestFile> described = new ArrayList<>();
    for (Path file : files) described.add(ManifestFile.describe(file));
    return described;
  }
}
