package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cohort.cluster.ClusterNode;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.cluster.NodeSpec;
import dev.cohort.cluster.WorkerLaunch;
import dev.cohort.config.ClusterConfig;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.Coordinator;
import dev.cohort.protocol.CoordinatorProtocol;
import dev.cohort.protocol.CoordinatorProtocol.ListWorkers;
import dev.cohort.protocol.CoordinatorProtocol.Pong;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.protocol.WorkerProtocol.Ping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator node in this JVM and worker JVMs started by {@link LocalWorkers}, all on 127.0.0.1: membership,
 * pings over Artery with Kryo, crash detection and the no-orphans guarantees.
 */
class ClusterLifecycleTest {
  /** Two JVMs start and join in 8-13 s on this machine (stack.md); generous for a loaded 2-core box. */
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);
  /** The split-brain resolver of cohort-pekko.conf removes a crashed node after 5-6 s. */
  private static final Duration CRASH_DETECTION_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final int LOG_TAIL_LINES = 30;
  private static final String WORKER_MAIN = WorkerCommand.class.getName();

  @TempDir Path runDir;

  private ClusterConfig cluster;
  private ClusterNode<Void> coordinatorNode;
  private ActorRef<CoordinatorProtocol.Command> coordinator;
  private final List<LocalWorkers> launched = new ArrayList<>();
  private final List<Process> helpers = new ArrayList<>();

  @BeforeEach
  void startCoordinator() {
    cluster = CohortConfig.load(null, List.of("cluster.coordinator-port = 0", "cluster.worker-heap = 256m",
        "cluster.stop-grace-seconds = 10")).cluster();
    coordinatorNode = ClusterNode.start(NodeSpec.coordinator(cluster), Behaviors.empty());
    coordinator = Coordinator.startSingleton(coordinatorNode.system());
  }

  @AfterEach
  void stopEverything() {
    try {
      launched.forEach(LocalWorkers::close);
    } finally {
      helpers.forEach(Process::destroyForcibly);
      coordinatorNode.close();
    }
  }

  @Test
  void workersJoinAnswerPingsOverTheNetworkAndLeaveNoProcessBehind() throws Exception {
    long start = System.nanoTime();
    LocalWorkers workers = launch(WorkerLaunch.of(cluster, 2, coordinatorNode.hostPort(), WORKER_MAIN, List.of(),
        runDir.resolve("logs")));

    List<String> ids = awaitWorkers(workers, list -> list.size() == 2, "2 workers");
    System.out.printf("cluster formed: 2 workers listed %d ms after launch%n", millisSince(start));

    Set<ActorRef<WorkerProtocol.Command>> refs = findWorkers();
    assertEquals(2, refs.size(), "receptionist listing: " + refs);
    Set<String> ponged = new HashSet<>();
    long pingId = 0;
    for (ActorRef<WorkerProtocol.Command> worker : refs) {
      long id = ++pingId;
      CoordinatorProtocol.Command reply = AskPattern.<WorkerProtocol.Command, CoordinatorProtocol.Command>ask(
              worker, replyTo -> new Ping(id, replyTo), ASK_TIMEOUT, coordinatorNode.system().scheduler())
          .toCompletableFuture().get();
      Pong pong = assertInstanceOf(Pong.class, reply);
      assertEquals(id, pong.id());
      assertEquals(WorkerProtocol.workerId(worker), pong.workerId());
      ponged.add(pong.workerId());
    }
    assertEquals(Set.copyOf(ids), ponged);

    long stopStart = System.nanoTime();
    workers.stop(Duration.ofSeconds(cluster.stopGraceSeconds()));
    System.out.printf("workers stopped in %d ms%n", millisSince(stopStart));
    for (long pid : workers.pids()) {
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "worker pid " + pid + " alive");
    }
    assertTrue(Files.size(workers.logFile(0)) > 0, "worker 0 wrote nothing to " + workers.logFile(0));
  }

  @Test
  void aWorkerKilledWithSigkillDropsOutOfTheListAndTheCluster() throws Exception {
    LocalWorkers workers = launch(WorkerLaunch.of(cluster, 2, coordinatorNode.hostPort(), WORKER_MAIN, List.of(),
        runDir.resolve("logs")));
    List<String> both = awaitWorkers(workers, list -> list.size() == 2, "2 workers");

    long killed = workers.pids().get(0);
    long start = System.nanoTime();
    ProcessHandle.of(killed).orElseThrow().destroyForcibly();

    List<String> left = awaitWorkers(workers, list -> list.size() == 1, "the killed worker to drop out");
    long dropped = millisSince(start);
    assertTrue(both.containsAll(left), "survivor " + left + " must be one of " + both);
    String gone = both.stream().filter(id -> !left.contains(id)).findFirst().orElseThrow();
    awaitRemovedFromCluster(gone);
    System.out.printf("kill -9: worker unlisted after %d ms, removed from the cluster after %d ms%n",
        dropped, millisSince(start));
    assertTrue(ProcessHandle.of(workers.pids().get(1)).map(ProcessHandle::isAlive).orElse(false),
        "the surviving worker must keep running");
  }

  @Test
  void aWorkerExitsWhenItsParentProcessDies() throws Exception {
    Process parent = new ProcessBuilder("sleep", "600").start();
    helpers.add(parent);
    LocalWorkers workers = launch(WorkerLaunch.of(cluster, 1, coordinatorNode.hostPort(), WORKER_MAIN, List.of(),
        runDir.resolve("logs")).withParentPid(parent.pid()));
    awaitWorkers(workers, list -> list.size() == 1, "the worker to join");

    long start = System.nanoTime();
    parent.destroyForcibly();
    ProcessHandle worker = ProcessHandle.of(workers.pids().get(0)).orElseThrow();
    boolean exited = worker.onExit().toCompletableFuture().completeOnTimeout(null, EXIT_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS).join() != null;
    assertTrue(exited, "worker outlived its parent by " + EXIT_TIMEOUT + "\n" + logTails(workers));
    System.out.printf("worker exited %d ms after its parent%n", millisSince(start));
    awaitWorkers(workers, List::isEmpty, "the orphaned worker to leave");
  }

  private LocalWorkers launch(WorkerLaunch launch) {
    LocalWorkers workers = LocalWorkers.start(launch);
    launched.add(workers);
    return workers;
  }

  /** Polls the coordinator until its worker list satisfies {@code done}; fails with the workers' logs if not. */
  private List<String> awaitWorkers(LocalWorkers workers, Predicate<List<String>> done, String what)
      throws Exception {
    long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
    List<String> listed = List.of();
    while (System.nanoTime() < deadline) {
      listed = AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.WorkerList>ask(
              coordinator, ListWorkers::new, ASK_TIMEOUT, coordinatorNode.system().scheduler())
          .toCompletableFuture().get().workerIds();
      if (done.test(listed)) return listed;
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
    return fail("waited " + JOIN_TIMEOUT + " for " + what + "; the coordinator lists " + listed + "\n"
        + logTails(workers));
  }

  private Set<ActorRef<WorkerProtocol.Command>> findWorkers() throws Exception {
    Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            coordinatorNode.system().receptionist(), replyTo -> Receptionist.find(WorkerProtocol.SERVICE_KEY, replyTo),
            ASK_TIMEOUT, coordinatorNode.system().scheduler())
        .toCompletableFuture().get();
    return listing.getServiceInstances(WorkerProtocol.SERVICE_KEY);
  }

  private void awaitRemovedFromCluster(String address) throws InterruptedException {
    Cluster clusterView = Cluster.get(coordinatorNode.system());
    long deadline = System.nanoTime() + CRASH_DETECTION_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      boolean member = StreamSupport.stream(clusterView.state().getMembers().spliterator(), false)
          .anyMatch(m -> m.address().toString().equals(address));
      if (!member) return;
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
    fail(address + " still a cluster member " + CRASH_DETECTION_TIMEOUT + " after kill -9");
  }

  private static String logTails(LocalWorkers workers) {
    StringBuilder tails = new StringBuilder();
    for (int i = 0; i < workers.pids().size(); i++) {
      tails.append("--- ").append(workers.logFile(i)).append('\n');
      try {
        List<String> lines = Files.readAllLines(workers.logFile(i));
        lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
            .forEach(line -> tails.append(line).append('\n'));
      } catch (IOException e) {
        tails.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return tails.toString();
  }

  private static long millisSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1_000_000;
  }
}
