package dev.cohort.coordinator.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.coordinator.RunSpec;
import dev.cohort.metrics.RunMetrics;
import dev.cohort.placement.Placement;

/** Tells the run's metrics endpoint and status what the coordinator tells its listener, then passes it on. */
public record MeteredListener(RunMetrics metrics, RunSpec.Listener inner) implements RunSpec.Listener {
  @Override
  public void onStep(ObjectNode line, long totalSteps) {
    metrics.step(line, totalSteps);
    inner.onStep(line, totalSteps);
  }

  @Override
  public void onPlacement(Placement placement) {
    metrics.status().placed(placement);
    inner.onPlacement(placement);
  }

  @Override
  public void onFinished() {
    metrics.status().finished();
    inner.onFinished();
  }

  @Override
  public void onFailed(String reason) {
    metrics.status().failed(reason);
    inner.onFailed(reason);
  }
}
