package dev.cohort.config;

/**
 * Where the nodes of a run listen and how worker processes are started and stopped. Nodes talk Pekko Artery TCP,
 * over TLS when {@link #tls} is enabled; the rest of the Pekko settings live in cohort-pekko.conf.
 *
 * @param host the address every node binds and advertises; 127.0.0.1 keeps a single-machine run on loopback, a
 *     multi-host deployment sets each node's own reachable address
 * @param coordinatorPort the coordinator's port, which workers join (0: any free port, for tests and for
 *     launchers that pass the bound port to the workers they start)
 * @param workerPort a worker's port (0: any free port; a fixed port allows only one worker per host)
 * @param joinTimeoutSeconds a worker that has not joined the coordinator within this time shuts down with an error
 *     instead of retrying forever
 * @param workerHeap maximum heap of each worker JVM started on this machine, as for -Xmx (e.g. "2g", "512m")
 * @param stepTimeoutSeconds longest a worker waits for a tensor and the coordinator for a step's phase before
 *     declaring the run stuck
 * @param stopGraceSeconds how long stopping a worker process waits for it to leave the cluster and exit before
 *     killing it
 * @param transport how workers send each other tensors: "tcp" (a socket per pair of workers, the tensor's bytes
 *     as they are: several times Artery's throughput) or "artery" (as Pekko messages, beside the control messages);
 *     the control messages always go over Artery
 * @param dataPort the port of a worker's tensor socket with transport "tcp", bound on {@code host} (0: any free
 *     port, sent to the peers through the coordinator; a fixed port allows only one worker per host)
 * @param replacementWaitSeconds after losing a worker, how long the coordinator waits for enough workers to rejoin
 *     for the configured layout before replanning on the workers left (0: replan at once); a worker that joins later
 *     is taken in at the next checkpoint
 * @param unreachableGraceSeconds how long a worker of a run must stay unreachable before the coordinator downs it and
 *     recovers without it (a loaded machine makes healthy nodes miss heartbeats for a second or two)
 * @param stragglerSeconds a worker that has not finished a step's phase (forward/backward, update) this long after
 *     it was asked, and is not waiting on a peer, misses a deadline, and again every as many seconds it stays late
 *     (0: no deadline; the first step of a placement has none)
 * @param stragglerLimit after this many missed straggler deadlines, in steps late one after another, a worker is lost
 * @param restartLostWorkers whether a run of local worker JVMs ({@code ./cohort train --workers N}) starts a new JVM
 *     for each one that dies
 * @param tls Artery over TLS with mutual authentication between nodes
 */
public record ClusterConfig(
    String host,
    int coordinatorPort,
    int workerPort,
    int joinTimeoutSeconds,
    String workerHeap,
    int stopGraceSeconds,
    int stepTimeoutSeconds,
    String transport,
    int dataPort,
    int replacementWaitSeconds,
    int unreachableGraceSeconds,
    int stragglerSeconds,
    int stragglerLimit,
    boolean restartLostWorkers,

    TlsConfig tls) {
  private static final int MAX_PORT = 65535;
  public static final String TCP = "tcp";
  public static final String ARTERY = "artery";

  void validate(String path) {
    Check.that(!host.isBlank(), path + ".host", "must name a host or IP address");
    port(path + ".coordinator-port", coordinatorPort);
    Check.positive(path + ".step-timeout-seconds", stepTimeoutSeconds);
    port(path + ".worker-port", workerPort);
    Check.positive(path + ".join-timeout-seconds", joinTimeoutSeconds);
    Check.that(workerHeap.matches("[1-9][0-9]*[kKmMgG]?"), path + ".worker-heap",
        "must be a size as for -Xmx, e.g. 2g or 512m, got '" + workerHeap + "'");
    Check.positive(path + ".stop-grace-seconds", stopGraceSeconds);
    Check.that(transport.equals(TCP) || transport.equals(ARTERY), path + ".transport",
        "must be " + TCP + " or " + ARTERY + ", got '" + transport + "'");
    port(path + ".data-port", dataPort);
    Check.nonNegative(path + ".replacement-wait-seconds", replacementWaitSeconds);
    Check.nonNegative(path + ".unreachable-grace-seconds", unreachableGraceSeconds);
    Check.nonNegative(path + ".straggler-seconds", stragglerSeconds);
    Check.positive(path + ".straggler-limit", stragglerLimit);
    tls.validate(path + ".tls");
  }

  private static void port(String path, int port) {
    Check.that(port >= 0 && port <= MAX_PORT, path, "must be 0 (any free port) to " + MAX_PORT + ", got " + port);
  }
}
