package dev.cohort.metrics;

import io.prometheus.metrics.core.metrics.Counter;

/**
 * Tensor bytes this worker sent to and received from each peer (label: the peer's worker id, bounded by the
 * cluster's size). Counted by whichever transport carries the tensors.
 */
public final class TransportMetrics {
  private static final Counter SENT = Counter.builder().name("cohort_exchange_sent_bytes_total")
      .help("Tensor payload bytes sent to a peer").labelNames("peer").register();
  private static final Counter RECEIVED = Counter.builder().name("cohort_exchange_received_bytes_total")
      .help("Tensor payload bytes received from a peer").labelNames("peer").register();

  private TransportMetrics() {}

  public static void sent(String peer, long bytes) {
    SENT.labelValues(peer).inc(bytes);
  }

  public static void received(String peer, long bytes) {
    RECEIVED.labelValues(peer).inc(bytes);
  }
}
