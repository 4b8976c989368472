package dev.cohort.device;

import ai.djl.Device;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns the engine's out-of-memory error in a step into one message naming the worker, the phase and the memory in
 * use. Nothing is written on the way out: the step's update never ran and checkpoints are only ever committed whole,
 * so the last checkpoint stays the one to resume from.
 */
public final class OutOfDeviceMemory {
  /** What PyTorch's allocators say: "CUDA out of memory. Tried to allocate ..." or "... DefaultCPUAllocator: not
   * enough memory ..." (lower-cased here). */
  private static final String[] SIGNS = {"out of memory", "not enough memory"};

  private OutOfDeviceMemory() {}

  /** The step phases a worker reports. */
  public enum Phase {
    FORWARD, BACKWARD, OPTIMIZER;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * {@code error} unchanged unless it is (or wraps) the engine's out-of-memory error; then a DeviceError naming
   * {@code worker}, {@code phase} and the memory of {@code device} now.
   */
  public static RuntimeException named(RuntimeException error, String worker, Phase phase, Device device) {
    if (!isOutOfMemory(error)) return error;
    return new DeviceError(message(worker, phase, device.toString(), DeviceMemory.of(device), error), error);
  }

  static boolean isOutOfMemory(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      for (String sign : SIGNS) {
        if (text.contains(sign)) return true;
      }
      if (e.getCause() == e) break;
    }
    return false;
  }

  static String message(String worker, Phase phase, String device, Optional<DeviceMemory> memory, Throwable error) {
    String inUse = memory.map(DeviceMemory::describe).orElse("memory in use unknown");
    return worker + " ran out of memory on " + device + " in the " + phase + " phase (" + inUse + "); the step was "
        + "not applied and the last checkpoint is intact: resume with a smaller train.micro-batch-size (and more "
        + "train.grad-accum-steps) or more pipeline stages. Engine: " + firstLine(error);
  }

  private static String firstLine(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String text = String.valueOf(root.getMessage());
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
