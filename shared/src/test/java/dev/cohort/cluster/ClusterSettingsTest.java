package dev.cohort.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.config.ClusterConfig;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.config.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster settings, the Pekko config a node derives from them, and the command line of a worker process. */
class ClusterSettingsTest {
  private static final ClusterConfig DEFAULTS = CohortConfig.defaults().cluster();

  @Test
  void defaultsKeepEveryNodeOnLoopbackWithTheCoordinatorOnAKnownPort() {
    assertEquals(new ClusterConfig("127.0.0.1", 25520, 0, 60, "2g", 10, 300, "tcp", 0, 0, 5, 0, 3, true,
        new TlsConfig(false, "", "", "", "")),
        DEFAULTS);
  }

  @Test
  void anOutOfRangePortIsRejectedNamingTheKey() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> CohortConfig.load(null, List.of("cluster.worker-port = 70000")));
    assertTrue(error.getMessage().contains("cohort.cluster.worker-port"), error.getMessage());
  }

  @Test
  void anUnknownTransportIsRejectedNamingTheKeyAndTheChoices() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> CohortConfig.load(null, List.of("cluster.transport = udp")));
    assertTrue(error.getMessage().contains("cohort.cluster.transport"), error.getMessage());
    assertTrue(error.getMessage().contains("tcp or artery"), error.getMessage());
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
    assertFalse(pekko.getBoolean("pekko.actor.allow-java-serialization"));
  }

  @Test
  void theCoordinatorNodeHasNoSeedsBecauseItFoundsTheCluster() {
    Config pekko = ClusterNode.pekkoConfig(NodeSpec.coordinator(DEFAULTS));

    assertFalse(pekko.hasPath("pekko.cluster.seed-nodes"), pekko.root().render());
    assertEquals(List.of("coordinator"), pekko.getStringList("pekko.cluster.roles"));
    assertEquals(25520, pekko.getInt("pekko.remote.artery.canonical.port"));
  }

  @Test
  void byDefaultANodeListensOnLoopbackOnlyAndNoManagementEndpointIsPresent() {
    Config pekko = ClusterNode.pekkoConfig(NodeSpec.coordinator(DEFAULTS)).withFallback(ConfigFactory.load());
    assertEquals("127.0.0.1", pekko.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals("", pekko.getString("pekko.remote.artery.bind.hostname"), "Artery binds its canonical address");
    assertEquals("127.0.0.1", pekko.getString("pekko.management.http.hostname"));
    assertThrows(ClassNotFoundException.class,
        () -> Class.forName("org.apache.pekko.management.scaladsl.PekkoManagement"));
  }

  @Test
  void withoutTlsNodesTalkPlainTcp() {
    Config pekko = ClusterNode.pekkoConfig(NodeSpec.coordinator(DEFAULTS));
    assertEquals("tcp", pekko.getString("pekko.remote.artery.transport"));
  }

  @Test
  void tlsTurnedOnWithoutItsFilesIsRejectedNamingTheKey() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> CohortConfig.load(null, List.of("cluster.tls.enabled = true")));
    assertTrue(error.getMessage().contains("cohort.cluster.tls.key-store"), error.getMessage());
  }

  @Test
  void tlsSettingsBecomeArteryTlsWithMutualAuthenticationAndPasswordsFromFiles(@TempDir Path dir)
      throws IOException {
    Path keyPassword = Files.writeString(dir.resolve("key-pass"), "k3y secret\n");
    Path trustPassword = Files.writeString(dir.resolve("trust-pass"), "trust-secret");
    TlsConfig tls = new TlsConfig(true, "node.p12", keyPassword.toString(), "/etc/cohort/trust.p12",
        trustPassword.toString());
    NodeSpec spec = new NodeSpec(NodeRole.WORKER, new HostPort("127.0.0.1", 0), new HostPort("127.0.0.1", 25520),
        Duration.ofSeconds(5), tls);

    Config engine = ClusterNode.pekkoConfig(spec).getConfig("pekko.remote.artery.ssl.config-ssl-engine");

    assertEquals("tls-tcp", ClusterNode.pekkoConfig(spec).getString("pekko.remote.artery.transport"));
    assertTrue(engine.getBoolean("require-mutual-authentication"));
    assertEquals(Path.of("node.p12").toAbsolutePath().toString(), engine.getString("key-store"));
    assertEquals("/etc/cohort/trust.p12", engine.getString("trust-store"));
    assertEquals(List.of("k3y secret", "k3y secret", "trust-secret"), List.of(engine.getString("key-store-password"),
        engine.getString("key-password"), engine.getString("trust-store-password")));
    assertEquals("TLSv1.3", engine.getString("protocol"));
  }

  @Test
  void missingOrEmptyPasswordFilesAreRejectedNamingTheKey(@TempDir Path dir) throws IOException {
    Path empty = Files.writeString(dir.resolve("empty"), "");
    TlsConfig noFile = new TlsConfig(true, "a.p12", dir.resolve("absent").toString(), "b.p12", empty.toString());
    TlsConfig emptyFile = new TlsConfig(true, "a.p12", empty.toString(), "b.p12", empty.toString());

    ConfigError missing = assertThrows(ConfigError.class, () -> TlsContexts.fromConfig(noFile));
    assertTrue(missing.getMessage().contains("cohort.cluster.tls.key-store-password-file"), missing.getMessage());
    ConfigError blank = assertThrows(ConfigError.class,
        () -> ClusterNode.pekkoConfig(new NodeSpec(NodeRole.COORDINATOR, new HostPort("127.0.0.1", 0), null,
            Duration.ofSeconds(5), emptyFile)));
    assertTrue(blank.getMessage().contains("is empty"), blank.getMessage());
  }

  @Test
  void aKeyStoreThatCannotBeOpenedIsRejectedBeforeTheNodeStarts(@TempDir Path dir) throws IOException {
    Path password = Files.writeString(dir.resolve("pass"), "secret");
    Path notAStore = Files.writeString(dir.resolve("node.p12"), "not a key store");
    TlsConfig tls = new TlsConfig(true, notAStore.toString(), password.toString(), notAStore.toString(),
        password.toString());

    ConfigError error = assertThrows(ConfigError.class, () -> ClusterNode.start(new NodeSpec(NodeRole.COORDINATOR,
        new HostPort("127.0.0.1", 0), null, Duration.ofSeconds(5), tls), Behaviors.empty()));
    assertTrue(error.getMessage().contains("cohort.cluster.tls.key-store"), error.getMessage());
  }

  @Test
  void localWorkersGetTheCoordinatorsTlsSettingsAsAbsolutePaths() {
    TlsConfig tls = new TlsConfig(true, "stores/node 1.p12", "/secrets/key-pass", "stores/trust.p12",
        "/secrets/trust-pass");
    ClusterConfig cluster = new ClusterConfig(DEFAULTS.host(), DEFAULTS.coordinatorPort(), DEFAULTS.workerPort(),
        DEFAULTS.joinTimeoutSeconds(), DEFAULTS.workerHeap(), DEFAULTS.stopGraceSeconds(),
        DEFAULTS.stepTimeoutSeconds(), DEFAULTS.transport(), DEFAULTS.dataPort(), DEFAULTS.replacementWaitSeconds(),
        DEFAULTS.unreachableGraceSeconds(), DEFAULTS.stragglerSeconds(), DEFAULTS.stragglerLimit(),
        DEFAULTS.restartLostWorkers(), tls);
    List<String> args = WorkerLaunch.of(cluster, 1, new HostPort("127.0.0.1", 41000), "Main", List.of(),
        Path.of("logs")).withExtraArgs(List.of("--port", "0")).extraArgs();

    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.size() - 2; i += 2) {
      assertEquals("--set", args.get(i));
      overrides.add(args.get(i + 1));
    }
    assertEquals(List.of("--port", "0"), args.subList(args.size() - 2, args.size()));
    TlsConfig back = CohortConfig.load(null, overrides).cluster().tls();
    assertEquals(new TlsConfig(true, Path.of("stores/node 1.p12").toAbsolutePath().toString(), "/secrets/key-pass",
        Path.of("stores/trust.p12").toAbsolutePath().toString(), "/secrets/trust-pass"), back);
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
