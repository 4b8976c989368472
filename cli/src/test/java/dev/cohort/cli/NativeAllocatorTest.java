package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** bin/native-allocator.sh, which ./cohort sources: the C allocator every Cohort process gets. */
class NativeAllocatorTest {
  private static final Path SCRIPT = Path.of("../bin/native-allocator.sh");
  private static final long TIMEOUT_SECONDS = 30;

  private record Outcome(int exit, String glibcTunables, String ldPreload, String output) {}

  /** Sources the script, runs its function under {@code env}, and reports the two variables it may set. */
  private static Outcome choose(Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c",
        "source '" + SCRIPT + "' && cohort_native_allocator && printf '%s\\n%s\\n' \"${GLIBC_TUNABLES:-}\" "
            + "\"${LD_PRELOAD:-}\"").redirectErrorStream(true);
    builder.environment().remove("GLIBC_TUNABLES");
    builder.environment().remove("LD_PRELOAD");
    builder.environment().remove("COHORT_ALLOCATOR");
    builder.environment().putAll(env);
    Process bash = builder.start();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(bash.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "bash hung");
    String[] lines = output.split("\n", -1);
    return bash.exitValue() == 0
        ? new Outcome(0, lines[0], lines[1], output)
        : new Outcome(bash.exitValue(), "", "", output);
  }

  @Test
  void glibcKeepsTheUsersTunablesAndAddsItsOwn() throws Exception {
    Outcome outcome = choose(Map.of("COHORT_ALLOCATOR", "glibc", "GLIBC_TUNABLES", "glibc.malloc.tcache_count=0"));
    assertTrue(outcome.glibcTunables().startsWith("glibc.malloc.tcache_count=0:"), outcome.output());
    assertTrue(outcome.glibcTunables().contains("glibc.malloc.mmap_max=0"), outcome.output());
    assertEquals("", outcome.ldPreload());
  }

  @Test
  void autoPreloadsAnInstalledTcmallocOrElseTunesGlibc() throws Exception {
    Outcome outcome = choose(Map.of());
    if (outcome.ldPreload().isEmpty()) {
      assertTrue(outcome.glibcTunables().contains("glibc.malloc.mmap_max=0"), outcome.output());
    } else {
      assertTrue(Files.isRegularFile(Path.of(outcome.ldPreload())), outcome.output());
      assertEquals("", outcome.glibcTunables());
    }
  }

  @Test
  void systemLeavesTheEnvironmentAlone() throws Exception {
    Outcome outcome = choose(Map.of("COHORT_ALLOCATOR", "system"));
    assertEquals(new Outcome(0, "", "", outcome.output()), outcome);
  }

  @Test
  void anUnknownChoiceIsRefusedNamingTheChoices() throws Exception {
    Outcome outcome = choose(Map.of("COHORT_ALLOCATOR", "mimalloc"));
    assertNotEquals(0, outcome.exit());
    assertTrue(outcome.output().contains("auto, tcmalloc, glibc or system"), outcome.output());
  }
}
