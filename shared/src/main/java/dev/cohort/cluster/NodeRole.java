package dev.cohort.cluster;

import java.util.Locale;

/** The Pekko Cluster role a node carries: the coordinator singleton runs only on {@link #COORDINATOR} nodes. */
public enum NodeRole {
  COORDINATOR,
  WORKER;

  /** The role's name in pekko.cluster.roles. */
  public String roleName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
