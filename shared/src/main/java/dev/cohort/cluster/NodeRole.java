package dev.cohort.cluster;

/** The Pekko Cluster role a node carries: the coordinator singleton runs only on {@link #COORDINATOR} nodes. */
public enum NodeRole {
  COORDINATOR,
  WORKER;

  /** The role's name in pekko.cluster.roles. */
  public String roleName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
