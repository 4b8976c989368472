package dev.cohort.worker.bench;

/** One timed transfer: bytes sent, bytes the receiver acknowledged, and the time from first send to last ack. */
public record Measurement(long bytesSent, long bytesAcked, long nanos) {
  private static final double BYTES_PER_MB = 1e6;
  private static final double NANOS_PER_SECOND = 1e9;

  /** Throughput of acknowledged bytes in MB/s (10^6 bytes per second). */
  public double megabytesPerSecond() {
    return nanos == 0 ? 0 : bytesAcked / BYTES_PER_MB / (nanos / NANOS_PER_SECOND);
  }

  public boolean fullyAcknowledged() {
    return bytesAcked == bytesSent;
  }
}
