package dev.cohort.coordinator;

import dev.cohort.protocol.CoordinatorProtocol.Internal;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;

/**
 * What the coordinator tells itself: cluster events through message adapters, and its timers. Never sent across the
 * network, so none is registered for serialization.
 */
sealed interface Signal extends Internal {
  /** The receptionist's list of registered workers changed. */
  record WorkersChanged(Receptionist.Listing listing) implements Signal {}

  record MemberChanged(ClusterEvent.MemberEvent event) implements Signal {}

  record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Signal {}

  /** A phase went unanswered for cluster.step-timeout-seconds. */
  record PhaseTimeout(long step, RunState.Phase phase) implements Signal {}

  /** Fewer workers than the run needs registered within cluster.join-timeout-seconds. */
  record JoinTimeout() implements Signal {}

  /** No replacement for a lost worker came within cluster.replacement-wait-seconds. */
  record ReplacementTimeout(long epoch) implements Signal {}

  /** The straggler deadline of a step's phase passed: the late workers are asked whether they wait on a peer. */
  record StragglerDeadline(long step, RunState.Phase phase) implements Signal {}

  /** The late workers had their time to say they wait on a peer: the others missed the deadline. */
  record StragglerVerdict(long step, RunState.Phase phase) implements Signal {}

  /** A worker has stayed unreachable for cluster.unreachable-grace-seconds. */
  record StillUnreachable(Address address) implements Signal {}
}
