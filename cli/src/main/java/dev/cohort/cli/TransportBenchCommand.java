package dev.cohort.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.worker.bench.SizeResult;
import dev.cohort.worker.bench.TransportBenchmark;
import dev.cohort.worker.bench.TransportReport;
import dev.cohort.worker.bench.TransportSettings;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort bench transport}: tensor throughput between two JVMs over Artery and over the workers' socket data
 * plane, against raw loopback TCP.
 */
@Command(
    name = "transport",
    mixinStandardHelpOptions = true,
    description = {
      "Tensor transport throughput between two worker JVMs on 127.0.0.1.",
      "This JVM sends; a peer JVM it starts receives. Per size the same volume goes",
      "(i) as Pekko Artery messages (Kryo; a TensorPayload, or TensorChunks above the",
      "chunk size) with a window of unacknowledged messages, (ii) over a plain TCP",
      "socket, and (iii) through the workers' socket data plane (cluster.transport =",
      "tcp: framed tensors into the receiver's mailbox), each timed from first send to",
      "the receiver's last acknowledgement; the paths take turns --repeats times and",
      "each path's median is reported.",
      "Prints one JSON line per size (MB = 10^6 bytes), then a summary line; the",
      "target applies to the data plane workers use by default, the socket one.",
      "Exit code 1 if any byte went unacknowledged."
    })
public final class TransportBenchCommand implements Callable<Integer> {
  /** The target: worker tensor transport at least this share of raw TCP from {@link #TARGET_FROM_BYTES} up. */
  static final double TARGET_RATIO = 0.5;
  static final int TARGET_FROM_BYTES = TransportSettings.MIB;
  private static final double NANOS_PER_SECOND = 1e9;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--sizes", split = ",", defaultValue = "64k,256k,1m,4m,16m", converter = SizeConverter.class,
      paramLabel = "SIZE", description = "Tensor sizes, k = KiB, m = MiB (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(names = "--volume-mib", defaultValue = "256",
      description = "MiB sent per size and path (default: ${DEFAULT-VALUE}).")
  long volumeMib;

  @Option(names = "--window", defaultValue = "" + TransportSettings.DEFAULT_WINDOW,
      description = "Artery messages in flight at most (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--chunk-kib", defaultValue = "" + TransportSettings.DEFAULT_CHUNK_BYTES / TransportSettings.KIB,
      description = "Tensors above this many KiB travel as TensorChunks of this size (default: ${DEFAULT-VALUE}).")
  int chunkKib;

  @Option(names = "--warmup-mib", defaultValue = "32",
      description = "MiB sent per size and path before measuring (default: ${DEFAULT-VALUE}).")
  long warmupMib;

  @Option(names = "--repeats", defaultValue = "" + TransportSettings.DEFAULT_REPEATS,
      description = "Measurements per size and path, paths taking turns; the median is reported"
          + " (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Override
  public Integer call() throws Exception {
    TransportSettings settings = new TransportSettings(sizes, volumeMib * TransportSettings.MIB, window,
        chunkKib * TransportSettings.KIB, warmupMib * TransportSettings.MIB, repeats);
    PrintWriter out = spec.commandLine().getOut();
    TransportReport report = TransportBenchmark.run(settings, result -> {
      out.println(json(line(result)));
      out.flush();
    });
    out.println(json(summary(settings, report)));
    out.flush();
    return allAcknowledged(report) ? 0 : 1;
  }

  private static Map<String, Object> line(SizeResult r) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("payloadBytes", r.payloadBytes());
    line.put("tensors", r.tensors());
    line.put("arteryMessages", r.arteryMessages());
    line.put("arteryMBps", round(r.artery().megabytesPerSecond()));
    line.put("rawTcpMBps", round(r.rawTcp().megabytesPerSecond()));
    line.put("socketMBps", round(r.sockets().megabytesPerSecond()));
    line.put("ratio", round(r.ratio()));
    line.put("socketRatio", round(r.socketRatio()));
    line.put("arterySeconds", round(r.artery().nanos() / NANOS_PER_SECOND));
    line.put("rawTcpSeconds", round(r.rawTcp().nanos() / NANOS_PER_SECOND));
    line.put("socketSeconds", round(r.sockets().nanos() / NANOS_PER_SECOND));
    line.put("allAcknowledged", acknowledged(r));
    return line;
  }

  private static Map<String, Object> summary(TransportSettings settings, TransportReport report) {
    double minRatio = minFrom1MiB(report, SizeResult::ratio);
    double minSocketRatio = minFrom1MiB(report, SizeResult::socketRatio);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("summary", "transport");
    summary.put("sizes", report.results().size());
    summary.put("volumeBytes", settings.volumeBytes());
    summary.put("window", settings.window());
    summary.put("chunkBytes", settings.chunkBytes());
    summary.put("repeats", settings.repeats());
    summary.put("minRatioFrom1MiB", Double.isNaN(minRatio) ? null : round(minRatio));
    summary.put("minSocketRatioFrom1MiB", Double.isNaN(minSocketRatio) ? null : round(minSocketRatio));
    summary.put("targetRatio", TARGET_RATIO);
    summary.put("targetMet", !Double.isNaN(minSocketRatio) && minSocketRatio >= TARGET_RATIO);
    summary.put("allAcknowledged", allAcknowledged(report));
    summary.put("loadBefore", round(report.loadBefore()));
    summary.put("loadAfter", round(report.loadAfter()));
    summary.put("cpus", Runtime.getRuntime().availableProcessors());
    return summary;
  }

  /** The smallest of a ratio over the sizes the target applies to; NaN if none was measured. */
  private static double minFrom1MiB(TransportReport report, ToDoubleFunction<SizeResult> ratio) {
    return report.results().stream().filter(r -> r.payloadBytes() >= TARGET_FROM_BYTES).mapToDouble(ratio).min()
        .orElse(Double.NaN);
  }

  private static boolean acknowledged(SizeResult r) {
    return r.artery().fullyAcknowledged() && r.rawTcp().fullyAcknowledged() && r.sockets().fullyAcknowledged()
        && r.tensorsReassembled() == r.tensors();
  }

  private static boolean allAcknowledged(TransportReport report) {
    return report.results().stream().allMatch(TransportBenchCommand::acknowledged);
  }

  /** Two decimals: enough for MB/s and ratios, and the JSON stays readable. */
  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static String json(Map<String, Object> fields) {
    try {
      return JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sizes like 64k or 16m; the error names the bad value. */
  static final class SizeConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return TransportSettings.parseSize(value);
    }
  }
}
