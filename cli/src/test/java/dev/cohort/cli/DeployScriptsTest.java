package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every shell script of the repository (the launcher, CI, bin/, deploy/, bench/) passes shellcheck. */
class DeployScriptsTest {
  private static final Path ROOT = Path.of("..");
  private static final long TIMEOUT_SECONDS = 60;

  static List<Path> scripts() throws IOException {
    List<Path> scripts = new ArrayList<>(List.of(ROOT.resolve("cohort"), ROOT.resolve(".ci/run")));
    for (String folder : List.of("bin", "deploy", "bench")) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(folder))) {
        files.filter(p -> p.toString().endsWith(".sh") || p.toString().endsWith(".sbatch")).sorted()
            .forEach(scripts::add);
      }
    }
    return scripts;
  }

  @Test
  void theLaunchersAreAllThere() throws IOException {
    List<String> names = scripts().stream().map(p -> ROOT.relativize(p).toString()).toList();
    assertTrue(names.containsAll(List.of("deploy/local/launch.sh", "deploy/ssh/launch.sh",
        "deploy/slurm/cohort.sbatch", "deploy/k8s/entrypoint.sh")), names.toString());
  }

  @Test
  void everyScriptPassesShellcheck() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("shellcheck", "--shell=bash"));
    scripts().forEach(p -> command.add(p.toString()));
    Process shellcheck = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(shellcheck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(shellcheck.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "shellcheck hung");
    assertEquals(0, shellcheck.exitValue(), output);
  }
}
