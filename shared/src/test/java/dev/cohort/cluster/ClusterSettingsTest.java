package dev.cohort.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.cohort.config.ClusterConfig;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster settings, the Pekko config a node derives from them, and the command line of a worker process. */
class ClusterSettingsTest {
  private static final ClusterConfig DEFAULTS = CohortConfig.defaults().cluster();

  @Test
  void defaultsKeepEveryNodeOnLoopbackWithTheCoordinatorOnAKnownPort() {
    assertEquals(new ClusterConfig("127.0.0.1", 25520, 0, 60, "2g", 10, 300, 0, 5, 0, 3, true), DEFAULTS);
  }

  @Test
  void anOutOfRangePortIsRejectedNamingTheKey() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> CohortConfig.load(null, List.of("cluster.worker-port = 70000")));
    assertTrue(error.getMessage().contains("cohort.cluster.worker-port"), error.getMessage());
  }

  @Test
  void aHeapThatJavaWouldNotAcceptIsRejectedNamingTheKey() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> CohortConfig.load(null, List.of("cluster.worker-heap = \"2 GB\"")));
    assertTrue(error.getMessage().contains("cohort.cluster.worker-heap"), error.getMessage());
  }

  @Test
  void endpointsParseFromHostColonPortAndRejectAnythingElse() {
    assertEquals(new HostPort("127.0.0.1", 25520), HostPort.parse("127.0.0.1:25520"));
    assertEquals("pekko://cohort@10.0.0.5:7000", HostPort.parse("10.0.0.5:7000").pekkoAddress());
    for (String bad : List.of("127.0.0.1", ":25520", "host:", "host:port", "host:99999")) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad));
      assertTrue(error.getMessage().contains(bad.isEmpty() ? "HOST:PORT" : bad.split(":")[0]), error.getMessage());
    }
  }

  @Test
  void aWorkerNodeSeedsFromTheCoordinatorAndGivesUpAfterTheJoinTimeout() {
    HostPort coordinator = new HostPort("127.0.0.1", 25520);
    Config pekko = ClusterNode.pekkoConfig(NodeSpec.worker(DEFAULTS, new HostPort("127.0.0.1", 0), coordinator));

    assertEquals(List.of("pekko://cohort@127.0.0.1:25520"), pekko.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(List.of("worker"), pekko.getStringList("pekko.cluster.roles"));
    assertEquals(0, pekko.getInt("pekko.remote.artery.canonical.port"));
    assertEquals(60, pekko.getDuration("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes").toSeconds());
    assertEquals("cluster", pekko.getString("pekko.actor.provider"), "cohort-pekko.conf must be included");
  }

  @Test
  void theCoordinatorNodeHasNoSeedsBecauseItFoundsTheCluster() {
    Config pekko = ClusterNode.pekkoConfig(NodeSpec.coordinator(DEFAULTS));

    assertFalse(pekko.hasPath("pekko.cluster.seed-nodes"), pekko.root().render());
    assertEquals(List.of("coordinator"), pekko.getStringList("pekko.cluster.roles"));
    assertEquals(25520, pekko.getInt("pekko.remote.artery.canonical.port"));
  }

  @Test
  void aWorkerProcessGetsOneTorchThreadItsHeapAndTheJoinAndParentOptions() {
    WorkerLaunch launch = WorkerLaunch.of(DEFAULTS, 2, new HostPort("127.0.0.1", 41000), "dev.cohort.cli.Main",
            List.of("worker"), Path.of("logs"))
        .withParentPid(4242)
        .withExtraArgs(List.of("--port", "0"));

    List<String> command = LocalWorkers.command(launch);

    assertTrue(command.containsAll(LocalWorkers.JVM_FLAGS), command.toString());
    assertTrue(command.contains("-Xmx2g"), command.toString());
    int main = command.indexOf("dev.cohort.cli.Main");
    assertEquals(List.of("worker", "--join", "127.0.0.1:41000", "--parent-pid", "4242", "--port", "0"),
        command.subList(main + 1, command.size()));
  }
}
