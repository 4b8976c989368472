package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ParallelConfig;
import dev.cohort.placement.Placement;
import dev.cohort.run.RunDirectory;

/**
 * A distributed run for the coordinator to drive: its config (and the rendered HOCON every worker builds from), its
 * directory, and who to tell how it goes.
 *
 * @param resume continue from the newest complete checkpoint in the run directory instead of from step 0
 */
public record RunSpec(String runId, CohortConfig config, String configHocon, RunDirectory directory,
    Listener listener, boolean resume) {

  /** A new run, from step 0. */
  public RunSpec(String runId, CohortConfig config, String configHocon, RunDirectory directory, Listener listener) {
    this(runId, config, configHocon, directory, listener, false);
  }

  /** The same run under another parallel layout (after losing or gaining workers); everything else unchanged. */
  RunSpec withParallel(ParallelConfig parallel) {
    com.typesafe.config.Config hocon = ConfigFactory.parseString(configHocon).getConfig(CohortConfig.ROOT)
        .withValue("parallel.pp", ConfigValueFactory.fromAnyRef(parallel.pp()))
        .withValue("parallel.dp", ConfigValueFactory.fromAnyRef(parallel.dp()))
        .withValue("parallel.ep", ConfigValueFactory.fromAnyRef(parallel.ep()));
    return new RunSpec(runId, CohortConfig.fromHocon(hocon), CohortConfig.render(hocon), directory, listener, resume);
  }

  /** Told from the coordinator's actor: keep it quick. */
  @FunctionalInterface
  public interface Listener {
    void onStep(ObjectNode metrics, long totalSteps);

    /** The run was placed on its workers: at the start, and again on every recovery. */
    default void onPlacement(Placement placement) {}

    /** {@code workerId}, still computing, missed a deadline of {@code step}: its {@code misses}-th in the run. */
    default void onStraggler(String workerId, long step, int misses) {}

    /** The run gave up on {@code workerId}: "unreachable" (gone from the cluster) or "straggler" (too slow). */
    default void onWorkerLost(String workerId, String reason) {}

    default void onFinished() {}

    default void onFailed(String reason) {}
  }
}
