package dev.cohort.worker.bench;

import dev.cohort.config.CohortConfig;
import dev.cohort.model.Parameters;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.TrainerCheckpoints;
import dev.cohort.worker.train.TrainingStep;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** One checkpoint written exactly as the trainer writes it, into a temporary directory deleted afterwards. */
final class CheckpointProbe {
  private CheckpointProbe() {}

  /** Writes a checkpoint of {@code step} and returns the bytes it took on disk. */
  static long write(Parameters params, AdamW optimizer, TrainingStep trainingStep, CohortConfig config, long step) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("cohort-bench-checkpoint");
      new TrainerCheckpoints(dir, 1).save(step, params, optimizer, trainingStep.scaler(), config);
      return bytesUnder(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the benchmark's checkpoint", e);
    } finally {
      if (dir != null) deleteRecursively(dir);
    }
  }

  private static long bytesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the benchmark's checkpoint " + dir, e);
    }
  }
}
