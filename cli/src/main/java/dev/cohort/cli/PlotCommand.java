package dev.cohort.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort plot}: PNG charts of one or more runs' metrics.jsonl, the runs side by side. */
@Command(name = "plot", mixinStandardHelpOptions = true,
    description = "Render PNG charts (training and validation loss, tokens/s, expert load max/mean) from the "
        + "metrics.jsonl of one or more run directories, one series per run.")
public final class PlotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "DIR",
      description = "A run directory holding metrics.jsonl; repeat to compare runs.")
  List<Path> runs;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where the PNG files go.")
  Path output;

  @Override
  public Integer call() throws IOException {
    List<Path> written = RunCharts.write(runs.stream().map(RunCharts.Run::read).toList(), output);
    PrintWriter out = spec.commandLine().getOut();
    written.forEach(file -> out.println(file));
    return 0;
  }
}
