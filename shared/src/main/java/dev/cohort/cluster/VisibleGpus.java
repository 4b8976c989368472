package dev.cohort.cluster;

import java.util.Optional;

/**
 * One GPU per local worker: when the launcher's process was given GPUs (CUDA_VISIBLE_DEVICES = "0,1,2,3"), worker
 * i sees only entry i mod their count, round robin, so with train.device = gpu each worker trains on its own GPU
 * (two per GPU when there are twice as many workers). Without the variable the workers inherit the environment
 * as it is: a GPU host without it lets every worker see every GPU, and "gpu" means the first one.
 */
final class VisibleGpus {
  static final String VARIABLE = "CUDA_VISIBLE_DEVICES";

  private VisibleGpus() {}

  /** The CUDA_VISIBLE_DEVICES of worker {@code index}, given the launcher's {@code visible} (null if unset). */
  static Optional<String> forWorker(String visible, int index) {
    if (visible == null || visible.isBlank()) return Optional.empty();
    String[] gpus = visible.split(",");
    return Optional.of(gpus[index % gpus.length].trim());
  }

  /** A worker process's builder with its GPU set as {@link #forWorker} says. */
  static ProcessBuilder assign(ProcessBuilder builder, int index) {
    forWorker(System.getenv(VARIABLE), index).ifPresent(gpu -> builder.environment().put(VARIABLE, gpu));
    return builder;
  }
}
