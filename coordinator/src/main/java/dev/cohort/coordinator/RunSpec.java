package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.placement.Placement;
import dev.cohort.worker.train.RunDirectory;

/**
 * A distributed run for the coordinator to drive: its config (and the rendered HOCON every worker builds from), its
 * directory, and who to tell how it goes.
 */
public record RunSpec(String runId, CohortConfig config, String configHocon, RunDirectory directory,
    Listener listener) {

  /** Told from the coordinator's actor: keep it quick. */
  @FunctionalInterface
  public interface Listener {
    void onStep(ObjectNode metrics, long totalSteps);

    /** The run was placed on its workers: at the start, and again on every recovery. */
    default void onPlacement(Placement placement) {}

    default void onFinished() {}

    default void onFailed(String reason) {}
  }
}
