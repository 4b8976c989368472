package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of runs' metrics.jsonl, one series per run on each chart: training loss, validation loss, tokens per
 * second, and the experts' load balance (the busiest expert's tokens over the mean, averaged over MoE layers). A chart
 * no run has data for is not written.
 */
final class RunCharts {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WIDTH = 900;
  private static final int HEIGHT = 540;

  /** One chart: its file, axis title, and the figure it reads from a metrics line (empty when the line lacks it). */
  private record Chart(String file, String title, String yAxis, Function<JsonNode, OptionalDouble> figure) {}

  private static final List<Chart> CHARTS = List.of(
      new Chart("train_loss.png", "Training loss", "cross-entropy (nats per token)", field("loss")),
      new Chart("val_loss.png", "Validation loss", "cross-entropy (nats per token)", field("val_loss")),
      new Chart("val_bpb.png", "Validation bits per byte (comparable across tokenizers)", "bits per byte of text",
          field("val_bpb")),
      new Chart("tokens_per_s.png", "Throughput", "tokens per second", field("tokens_per_s")),
      new Chart("expert_load.png", "Expert load balance (1 = even)", "max / mean tokens per expert, mean over layers",
          RunCharts::loadMaxOverMean));

  /** A named run: its label on the charts and its metrics lines in step order. */
  record Run(String label, List<JsonNode> lines) {
    static Run read(Path dir) {
      try {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
          if (!line.isBlank()) lines.add(JSON.readTree(line));
        }
        return new Run(dir.toAbsolutePath().normalize().getFileName().toString(), lines);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + dir.resolve("metrics.jsonl"), e);
      }
    }
  }

  private RunCharts() {}

  /** Writes every chart some run has data for into {@code output}; returns the files written. */
  static List<Path> write(List<Run> runs, Path output) throws IOException {
    System.setProperty("java.awt.headless", "true"); // rendering to files needs no display
    Files.createDirectories(output);
    List<Path> written = new ArrayList<>();
    for (Chart chart : CHARTS) {
      XYChart xy = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(chart.title())
          .xAxisTitle("step").yAxisTitle(chart.yAxis()).build();
      xy.getStyler().setPlotGridLinesVisible(true);
      xy.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setChartBackgroundColor(Color.WHITE);
      boolean any = false;
      for (Run run : runs) {
        List<Double> steps = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (JsonNode line : run.lines()) {
          OptionalDouble value = chart.figure().apply(line);
          if (value.isEmpty()) continue;
          steps.add(line.path("step").asDouble());
          values.add(value.getAsDouble());
        }
        if (steps.isEmpty()) continue;
        XYSeries series = xy.addSeries(run.label(), steps, values);
        // A few points (validation every N steps) read better as markers; a per-step curve as a line.
        series.setMarker(steps.size() > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        any = true;
      }
      if (!any) continue;
      Path file = output.resolve(chart.file());
      BitmapEncoder.saveBitmap(xy, file.toString(), BitmapEncoder.BitmapFormat.PNG);
      written.add(file);
    }
    return written;
  }

  private static Function<JsonNode, OptionalDouble> field(String name) {
    return line -> line.has(name) && line.get(name).isNumber() ? OptionalDouble.of(line.get(name).asDouble())
        : OptionalDouble.empty();
  }

  /** From expert_tokens, so runs from before moe_load_max_over_mean existed chart too; empty for a dense run. */
  static OptionalDouble loadMaxOverMean(JsonNode line) {
    JsonNode layers = line.path("expert_tokens");
    double sum = 0;
    int counted = 0;
    for (JsonNode counts : layers) {
      double total = 0;
      double max = 0;
      for (JsonNode c : counts) {
        total += c.asDouble();
        max = Math.max(max, c.asDouble());
      }
      if (total == 0) continue;
      sum += max * counts.size() / total;
      counted++;
    }
    return counted == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / counted);
  }
}
