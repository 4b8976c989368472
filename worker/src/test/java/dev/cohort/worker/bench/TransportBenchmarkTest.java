package dev.cohort.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The benchmark machinery end to end at a tiny volume: a real peer JVM, real Artery and TCP sockets. */
class TransportBenchmarkTest {
  private static final int WHOLE = 64 * TransportSettings.KIB;
  private static final int CHUNK = TransportSettings.MIB;
  /** Two and a half chunks: exercises reassembly, including a short last chunk. */
  private static final int CHUNKED = 5 * CHUNK / 2;
  private static final long VOLUME = 4L * TransportSettings.MIB;
  private static final int WINDOW = 4;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyByteIsAcknowledgedOnEveryPathAndThePeerIsGoneAfterwards() throws Exception {
    TransportSettings settings = new TransportSettings(List.of(WHOLE, CHUNKED), VOLUME, WINDOW, CHUNK, VOLUME, 1);
    List<SizeResult> reported = new ArrayList<>();

    TransportReport report = TransportBenchmark.run(settings, reported::add);

    assertEquals(report.results(), reported, "each result is reported as it is measured");
    assertEquals(List.of(WHOLE, CHUNKED), report.results().stream().map(SizeResult::payloadBytes).toList());
    for (SizeResult r : report.results()) {
      long expectedBytes = TransportSettings.tensorsFor(VOLUME, r.payloadBytes()) * r.payloadBytes();
      assertEquals(expectedBytes, r.artery().bytesAcked(), "Artery bytes acknowledged for " + r);
      assertEquals(expectedBytes, r.rawTcp().bytesAcked(), "raw TCP bytes acknowledged for " + r);
      assertEquals(expectedBytes, r.sockets().bytesAcked(), "socket data plane bytes acknowledged for " + r);
      assertEquals(r.tensors(), r.tensorsReassembled(), "tensors complete at the receiver for " + r);
      assertTrue(r.artery().megabytesPerSecond() > 0 && r.rawTcp().megabytesPerSecond() > 0
          && r.sockets().megabytesPerSecond() > 0, r.toString());
    }
    long chunksPerTensor = (CHUNKED + CHUNK - 1) / CHUNK;
    assertEquals(report.results().get(1).tensors() * chunksPerTensor, report.results().get(1).arteryMessages());
    assertEquals(report.results().get(0).tensors(), report.results().get(0).arteryMessages());
    assertFalse(ProcessHandle.of(report.peerPid()).map(ProcessHandle::isAlive).orElse(false),
        "peer JVM " + report.peerPid() + " still running");
  }
}
