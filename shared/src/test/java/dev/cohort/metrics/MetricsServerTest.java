package dev.cohort.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.ConfigError;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsServerTest {
  private static final String HOST = "127.0.0.1";

  @TempDir Path dir;

  private List<Path> targetsFiles() throws IOException {
    if (!Files.isDirectory(dir)) return List.of();
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  @Test
  void announcesTheBoundPortInATargetsFileAndWithdrawsItOnClose() throws IOException {
    try (MetricsServer server = MetricsServer.start(HOST, 0, "cohort.metrics.port", "worker", dir, null)) {
      assertTrue(server.port() > 0);
      List<Path> files = targetsFiles();
      assertEquals(1, files.size(), files.toString());
      String json = Files.readString(files.get(0));
      assertTrue(json.contains("\"" + server.address() + "\"") && json.contains("\"role\": \"worker\""), json);
    }
    assertEquals(List.of(), targetsFiles());
  }

  @Test
  void aPortInUseNamesTheSettingThatChoseIt() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      ConfigError error = assertThrows(ConfigError.class, () ->
          MetricsServer.start(HOST, taken.getLocalPort(), "cohort.metrics.port", "trainer", dir, null));
      assertTrue(error.getMessage().contains("cohort.metrics.port"), error.getMessage());
      assertTrue(error.getMessage().contains(HOST + ":" + taken.getLocalPort()), error.getMessage());
    }
    assertFalse(targetsFiles().stream().anyMatch(f -> f.toString().endsWith(".json")));
  }
}
