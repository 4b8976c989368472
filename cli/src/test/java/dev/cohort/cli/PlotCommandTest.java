package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code cohort plot} on synthetic runs: an MoE run with validation every few steps, and a dense run. */
class PlotCommandTest {
  private static final int STEPS = 60;
  private static final int EVAL_EVERY = 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Path run(String name, boolean moe) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int step = 0; step < STEPS; step++) {
      ObjectNode line = JSON.createObjectNode();
      line.put("step", step);
      line.put("loss", 10.0 / (1 + step / 10.0));
      line.put("tokens_per_s", 1000 + step);
      if ((step + 1) % EVAL_EVERY == 0) line.put("val_loss", 11.0 / (1 + step / 10.0)).put("val_bpb", 3.0 / (1 + step));
      if (moe) line.set("expert_tokens", JSON.valueToTree(new int[][] {{40 - step / 3, 20, 20, 20 + step / 3}}));
      lines.add(JSON.writeValueAsString(line));
    }
    Path runDir = Files.createDirectories(dir.resolve(name));
    Files.write(runDir.resolve("metrics.jsonl"), lines);
    return runDir;
  }

  @Test
  void writesANonEmptyPngPerChartThatSomeRunHasDataFor() throws IOException {
    Path output = dir.resolve("plots");
    int exit = new CommandLine(new PlotCommand()).execute("--run", run("moe", true).toString(),
        "--run", run("dense", false).toString(), "--output", output.toString());
    assertEquals(0, exit);
    Set<String> files = new TreeSet<>();
    try (var listing = Files.list(output)) {
      listing.forEach(f -> files.add(f.getFileName().toString()));
    }
    assertEquals(Set.of("train_loss.png", "val_loss.png", "val_bpb.png", "tokens_per_s.png",
        "expert_load.png"), files);
    for (String file : files) {
      BufferedImage image = ImageIO.read(output.resolve(file).toFile());
      assertTrue(image != null && image.getWidth() > 0 && image.getHeight() > 0, file + " is a readable PNG");
      assertFalse(uniform(image), file + " has something drawn on it");
    }
  }

  @Test
  void expertLoadIsMaxOverMeanAveragedOverLayersAndAbsentForADenseRun() {
    ObjectNode line = JSON.createObjectNode();
    line.set("expert_tokens", JSON.valueToTree(new int[][] {{5, 5, 5, 5}, {0, 20, 0, 0}}));
    assertEquals((1.0 + 4.0) / 2, RunCharts.loadMaxOverMean(line).getAsDouble(), 1e-12);
    assertTrue(RunCharts.loadMaxOverMean(JSON.createObjectNode()).isEmpty());
  }

  private static boolean uniform(BufferedImage image) {
    int first = image.getRGB(0, 0);
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        if (image.getRGB(x, y) != first) return false;
      }
    }
    return true;
  }
}
