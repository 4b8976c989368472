package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/gpu/run.sh as CI can run it: on the CPU, every shape and step count shrunk, against this build's classes;
 * its one figures file holds the doctor's report, a step benchmark per shape and precision, and the training run.
 */
class GpuBenchScriptTest {
  private static final Path SCRIPT = Path.of("../bench/gpu/run.sh");
  /** A bound, not a target: the quick run takes well under a minute on an idle 2-core machine. */
  private static final long TIMEOUT_SECONDS = 300;
  /** This kind of machine's practical float32 peak (docs/PERFORMANCE.md), so the MFU figures are plausible. */
  private static final String PEAK = "1.25e11";
  /** Both precisions, as the script does by default (fp16-mixed runs its float16 products on the CPU here). */
  private static final String PRECISIONS = "fp32 fp16-mixed";

  @TempDir Path out;

  @Test
  void aQuickCpuRunWritesOneFiguresFileWithEveryPart() throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), "--device", "cpu", "--quick",
        "--precisions", PRECISIONS, "--peak-flops", PEAK, "--out", out.toString())
        .redirectErrorStream(true).redirectOutput(out.resolve("script.log").toFile());
    builder.environment().put("COHORT_CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process script = builder.start();
    boolean finished = script.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!finished) script.destroyForcibly().waitFor();
    String log = Files.readString(out.resolve("script.log"));
    assertTrue(finished, "still running after " + TIMEOUT_SECONDS + " s:\n" + log);
    assertEquals(0, script.exitValue(), log);

    JsonNode figures = new ObjectMapper().readTree(out.resolve("figures.json").toFile());
    assertEquals("cpu", figures.get("device").asText());
    assertTrue(figures.at("/doctor/ok").asBoolean(), figures.toString());
    JsonNode steps = figures.get("step");
    List<String> precisions = List.of(PRECISIONS.split(" "));
    assertEquals(2 * precisions.size(), steps.size(), steps.toString());
    for (int i = 0; i < steps.size(); i++) {
      JsonNode step = steps.get(i);
      assertEquals(i / precisions.size() == 0 ? "reference" : "moe-500m", step.get("shape").asText());
      assertEquals(precisions.get(i % precisions.size()), step.get("precision").asText());
      assertTrue(step.get("step_ms").asDouble() > 0 && step.get("tokens_per_s").asDouble() > 0, step.toString());
      double mfu = step.get("mfu").asDouble();
      assertTrue(mfu > 0 && mfu < 1, "MFU " + mfu);
    }
    JsonNode train = figures.get("train");
    assertTrue(train.get("steps").asInt() > 1 && train.get("step_ms").asDouble() > 0, train.toString());
    assertTrue(train.get("mfu").asDouble() > 0 && Double.isFinite(train.get("final_loss").asDouble()), train.toString());
    assertTrue(train.get("device_memory_used_bytes_max").isNull(), "no device memory on the CPU: " + train);
  }

  @Test
  void withoutBuiltJarsItFailsSayingSo() throws IOException, InterruptedException {
    Path checkout = out.resolve("checkout");
    Files.createDirectories(checkout.resolve("bench/gpu"));
    Path copy = Files.copy(SCRIPT, checkout.resolve("bench/gpu/run.sh"));
    ProcessBuilder builder = new ProcessBuilder("bash", copy.toString(), "--device", "cpu", "--quick")
        .redirectErrorStream(true);
    builder.environment().remove("COHORT_CLASSPATH");
    Process script = builder.start();
    String output = new String(script.getInputStream().readAllBytes());
    assertTrue(script.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(1, script.exitValue(), output);
    assertTrue(output.contains("no built jars"), output);
  }
}
