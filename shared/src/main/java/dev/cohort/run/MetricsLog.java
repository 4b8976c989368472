package dev.cohort.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** metrics.jsonl: one JSON object per optimizer step, flushed as it is written so a crash loses at most one line. */
public final class MetricsLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * On a GPU, the device's used bytes after the step: PyTorch's caching allocator keeps what it reserved, so this is
   * the most the run has reserved so far (plus the CUDA context), the closest DJL lets us come to a per-step peak.
   */
  public static final String DEVICE_MEMORY = "device_memory_used_bytes";
  /** A single-process step's model FLOPs utilization against metrics.peak-flops-per-worker (ModelFlops). */
  public static final String MFU = "mfu";
  private final BufferedWriter out;

  /**
   * Opens the log for appending. When resuming from a checkpoint taken after {@code firstStep} steps, lines of
   * later steps (written before the crash, then lost with the un-checkpointed work) are removed first, so each step
   * appears once.
   */
  public MetricsLog(Path file, long firstStep) {
    try {
      if (Files.exists(file)) keepStepsBefore(file, firstStep);
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open metrics log " + file, e);
    }
  }

  private static void keepStepsBefore(Path file, long firstStep) throws IOException {
    List<String> kept = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(line -> !line.isBlank() && stepOf(line) < firstStep)
        .toList();
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(temp, kept, StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static long stepOf(String line) {
    try {
      return JSON.readTree(line).path("step").asLong(Long.MAX_VALUE);
    } catch (IOException e) {
      return Long.MAX_VALUE; // a torn last line from a crash: drop it
    }
  }

  /** The fields every metrics line has, single-worker or distributed; callers add their own timings. */
  public static ObjectNode line(long step, double loss, double auxLoss, double zLoss, double lr, double gradNorm,
      boolean skipped, double tokensPerSecond, double stepMs, int[][] expertTokens, int[] droppedTokens,
      double[] routerEntropy) {
    ObjectNode line = JSON.createObjectNode();
    line.put("step", step);
    line.put("loss", loss);
    line.put("aux_loss", auxLoss);
    line.put("z_loss", zLoss);
    line.put("lr", lr);
    line.put("grad_norm", gradNorm);
    if (skipped) line.put("skipped", true);
    line.put("tokens_per_s", tokensPerSecond);
    line.put("step_ms", stepMs);
    line.set("expert_tokens", JSON.valueToTree(expertTokens));
    line.set("dropped_tokens", JSON.valueToTree(droppedTokens));
    line.set("router_entropy", JSON.valueToTree(routerEntropy));
    return line;
  }

  public void write(ObjectNode line) {
    try {
      out.write(JSON.writeValueAsString(line));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics", e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
