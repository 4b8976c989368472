package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.metrics.RunMetrics;
import dev.cohort.placement.Placement;
import dev.cohort.placement.WorkerId;

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
    ClusterMetrics.placed(placement.roles().keySet().stream().map(WorkerId::value).sorted().toList());
    inner.onPlacement(placement);
  }

  @Override
  public void onStraggler(String workerId, long step, int misses) {
    ClusterMetrics.stragglerMissed(workerId);
    inner.onStraggler(workerId, step, misses);
  }

  @Override
  public void onWorkerLost(String workerId, String reason) {
    ClusterMetrics.workerLost(reason);
    inner.onWorkerLost(workerId, reason);
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
