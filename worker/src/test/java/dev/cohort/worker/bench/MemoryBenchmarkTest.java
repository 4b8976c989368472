package dev.cohort.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.layout.ModelLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryBenchmarkTest {
  /** float32 weights, their gradients and AdamW's two moments: four numbers of four bytes per parameter. */
  private static final double FLOAT32_ADAMW_STATE_BYTES = 4 * 4;
  /** A checkpoint holds the float32 weights and AdamW's two moments, not the gradients. */
  private static final long CHECKPOINT_BYTES_PER_PARAM = 3 * 4;

  @Test
  void reportsThePeakAndWhatItComesToPerParameter() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"),
        List.of("data.seq-len = 16", "train.micro-batch-size = 2"));
    ObjectNode report = MemoryBenchmark.run(config, 2, false);

    long params = ModelLayout.of(config.model()).stream().mapToLong(s -> new Shape(s.shape()).size()).sum();
    assertEquals(params, report.get("params").asLong());
    assertEquals(FLOAT32_ADAMW_STATE_BYTES, report.get("state_bytes_per_param").asDouble(), 1e-9);
    double peak = report.get("peak_rss_mib").asDouble();
    assertTrue(peak > report.get("baseline_rss_mib").asDouble(), report.toString());
    assertEquals(peak * 1024 * 1024 / params, report.get("bytes_per_param").asDouble(), 1e-6);
    assertTrue(report.get("model_bytes_per_param").asDouble() < report.get("bytes_per_param").asDouble());
    assertTrue(report.get("checkpoint_ms") == null, "no checkpoint unless asked");
  }

  @Test
  void withACheckpointCountsItsFilesAndThePeakBeforeIt() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"),
        List.of("data.seq-len = 16", "train.micro-batch-size = 2"));
    ObjectNode report = MemoryBenchmark.run(config, 1, true);

    long params = report.get("params").asLong();
    assertTrue(report.get("checkpoint_bytes").asLong() > CHECKPOINT_BYTES_PER_PARAM * params,
        "weights and both moments (plus headers): " + report);
    assertTrue(report.get("peak_rss_before_checkpoint_mib").asDouble() <= report.get("peak_rss_mib").asDouble());
  }
}
