package dev.cohort.worker.bench;

/**
 * The three paths measured for one tensor size.
 *
 * @param tensors tensors sent on each path
 * @param arteryMessages Artery messages those tensors took (more than {@code tensors} when chunked)
 * @param tensorsReassembled tensors the receiver reported complete (reassembled from chunks or whole)
 */
public record SizeResult(int payloadBytes, long tensors, long arteryMessages, long tensorsReassembled,
    Measurement artery, Measurement rawTcp, Measurement sockets) {

  /** Artery throughput as a share of raw TCP's. */
  public double ratio() {
    return shareOfRaw(artery);
  }

  /** The socket data plane's throughput as a share of raw TCP's. */
  public double socketRatio() {
    return shareOfRaw(sockets);
  }

  private double shareOfRaw(Measurement path) {
    double raw = rawTcp.megabytesPerSecond();
    return raw == 0 ? 0 : path.megabytesPerSecond() / raw;
  }
}
