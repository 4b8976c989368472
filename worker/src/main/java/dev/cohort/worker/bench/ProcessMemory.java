package dev.cohort.worker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident set size of this process from /proc: it counts native (PyTorch) memory, which the JVM's heap figures miss.
 */
public final class ProcessMemory {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final double MIB = 1024.0 * 1024.0;

  private ProcessMemory() {}

  /** Current resident set in MiB, or -1 where /proc is not available. */
  public static double residentMib() {
    return field("VmRSS:");
  }

  /** Peak resident set in MiB, or -1. */
  public static double peakResidentMib() {
    return field("VmHWM:");
  }

  /** Peak resident set in bytes, or -1. */
  public static long peakResidentBytes() {
    double mib = peakResidentMib();
    return mib < 0 ? -1 : Math.round(mib * MIB);
  }

  private static double field(String name) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(name)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
