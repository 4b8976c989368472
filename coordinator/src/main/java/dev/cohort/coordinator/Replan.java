package dev.cohort.coordinator;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ParallelConfig;
import java.util.Optional;

/**
 * The parallel layout for the workers a run has now. The math stays the configured run's whatever the layout: every
 * layout reads the same global batch (replicas split train.grad-accum-steps between them), so fewer replicas just run
 * more micro-batches each.
 */
final class Replan {
  private Replan() {}

  /**
   * The largest layout of at most {@code available} workers: the configured one if it fits, else as many pipeline
   * stages as configured (fewer if need be) and the most replicas that divide grad-accum-steps, keeping the
   * configured expert parallelism where it divides them (else none). Empty when no worker is available.
   */
  static Optional<ParallelConfig> fit(CohortConfig configured, int available) {
    ParallelConfig wanted = configured.parallel();
    if (available >= wanted.workers()) return Optional.of(wanted);
    int accum = configured.train().gradAccumSteps();
    for (int pp = Math.min(wanted.pp(), configured.model().numLayers()); pp >= 1; pp--) {
      for (int dp = Math.min(wanted.dp(), available / pp); dp >= 1; dp--) {
        if (accum % dp != 0) continue;
        int ep = dp % wanted.ep() == 0 ? wanted.ep() : 1;
        return Optional.of(new ParallelConfig(pp, dp, ep, wanted.schedule(), wanted.zero()));
      }
    }
    return Optional.empty();
  }

  /**
   * How many registered workers a coordinator waits for before it starts {@code configured}. A coordinator that takes
   * over a run in progress (its singleton moved here after the previous coordinator was lost) finds the run's
   * workers already in the cluster ({@code present} of them): it starts as soon as they have registered, on the
   * layout they allow, as after a worker loss, since no more may come (one may have died with the old coordinator).
   * A coordinator that starts a run first ({@code present} = 0) waits for every configured worker.
   */
  static int workersToStart(CohortConfig configured, int present) {
    int wanted = configured.parallel().workers();
    return present > 0 ? Math.min(present, wanted) : wanted;
  }
}
