package dev.cohort.worker.bench;

import java.util.List;

/**
 * A whole benchmark run.
 *
 * @param peerPid the peer JVM's process id (gone once the run returns)
 * @param loadBefore one-minute load average when the run started (the machine may be shared), -1 if unknown
 * @param loadAfter the same when it ended
 */
public record TransportReport(long peerPid, double loadBefore, double loadAfter, List<SizeResult> results) {
  public TransportReport {
    results = List.copyOf(results);
  }
}
