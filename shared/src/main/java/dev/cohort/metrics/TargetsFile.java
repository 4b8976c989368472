package dev.cohort.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A Prometheus file_sd targets file, one per node: {@code [{"targets": ["HOST:PORT"], "labels": {"role": ROLE}}]}.
 * Prometheus watches a glob of them (deploy/prometheus/prometheus.yml), so nodes on ephemeral ports are found
 * without any registry; written by rename so Prometheus never reads half a file.
 */
public final class TargetsFile {
  private TargetsFile() {}

  static Path write(Path dir, String role, String host, int port) {
    Path file = dir.resolve(role + "-" + host.replace(':', '_') + "-" + port + ".json");
    String json = "[{\"targets\": [\"" + host + ":" + port + "\"], \"labels\": {\"role\": \"" + role + "\"}}]\n";
    try {
      Files.createDirectories(dir);
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(temp, json, StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics targets file " + file, e);
    }
  }

  static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove metrics targets file " + file, e);
    }
  }
}
