package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;

/**
 * A send found its data connection to a peer down. Usually the peer's process is gone, which the coordinator learns
 * from cluster membership and recovers from; so a step that ends this way is not itself a reason to fail the run.
 */
public final class PeerUnreachable extends RuntimeException {
  public PeerUnreachable(WorkerId peer, String reason) {
    super("data connection with " + peer + " is down: " + reason);
  }
}
