package dev.cohort.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.DeviceName;
import dev.cohort.device.DeviceMemory;
import dev.cohort.device.EngineFacts;
import dev.cohort.worker.bench.ProcessMemory;
import dev.cohort.worker.bench.StepBenchmark;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort doctor}: what this machine offers a run (engine, native library, devices, threads) and whether the
 * selected device and precision train: one step of a tiny MoE on it. Exit 0 when that step gave a finite loss.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = {"Print the engine and native library (versions, paths), devices with memory and thread counts, "
        + "and run one training step of a tiny MoE on the selected device (train.device, or --device) and precision.",
        "Exit code 0 when that step works, 1 when it does not."})
public final class DoctorCommand implements Callable<Integer> {
  static final int SMOKE_FAILED = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The smoke test's model and batch: every part of a step (attention, routing, experts, AdamW), in milliseconds. */
  private static final List<String> TINY = List.of("model.vocab-size = 512", "model.hidden-size = 32",
      "model.num-layers = 2", "model.num-heads = 4", "model.num-kv-heads = 2", "model.intermediate-size = 64",
      "model.max-seq-len = 16", "model.moe.num-experts = 4", "model.moe.top-k = 2", "model.moe.expert-ffn-size = 32",
      "data.seq-len = 16", "train.micro-batch-size = 2", "train.grad-accum-steps = 1", "train.warmup-steps = 0");

  @Spec CommandSpec spec;

  @Mixin ConfigOptions config;

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, gpu or gpu:N (default: train.device)")
  String device;

  @Option(names = "--json", description = "Print one JSON object instead of text")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<String> overrides = new ArrayList<>(config.overrides);
    if (device != null) overrides.add("train.device = \"" + device + "\"");
    overrides.addAll(TINY);
    CohortConfig smoke = CohortConfig.load(config.file, overrides);
    Threads.configure(smoke.train().threads());
    ObjectNode report = report(smoke);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(JSON.writeValueAsString(report));
    } else {
      printText(out, report, "");
    }
    out.flush();
    return report.path("ok").asBoolean() ? 0 : SMOKE_FAILED;
  }

  static ObjectNode report(CohortConfig smoke) {
    ObjectNode out = JSON.createObjectNode();
    out.putObject("java").put("version", Runtime.version().toString()).put("home", System.getProperty("java.home"));
    EngineFacts engine = EngineFacts.read();
    ObjectNode e = out.putObject("engine");
    e.put("djl_version", engine.djlVersion()).put("pytorch_version", engine.pytorchVersion())
        .put("native_flavour", engine.flavour()).put("native_library_path", engine.libraryPath());
    engine.features().forEach(e.putArray("features")::add);
    out.putObject("threads").put("available_processors", Runtime.getRuntime().availableProcessors())
        .put("pytorch_intra_op", engine.intraOpThreads()).put("pytorch_inter_op", engine.interOpThreads());
    out.set("devices", devices(engine));
    ObjectNode selected = out.putObject("selected");
    selected.put("device", smoke.train().deviceName().toString()).put("dtype", smoke.train().dtype());
    boolean ok = smokeStep(smoke, selected);
    out.put("ok", ok);
    return out;
  }

  private static ArrayNode devices(EngineFacts engine) {
    ArrayNode devices = JSON.createArrayNode();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    devices.addObject().put("device", DeviceName.CPU.toString()).put("memory_total_bytes", os.getTotalMemorySize())
        .put("memory_free_bytes", os.getFreeMemorySize())
        .put("process_resident_bytes", Math.round(ProcessMemory.residentMib() * (1 << 20)));
    for (int i = 0; i < engine.gpuCount(); i++) {
      ObjectNode gpu = devices.addObject().put("device", new DeviceName(true, i).toString());
      DeviceMemory.of(Device.gpu(i)).ifPresent(m ->
          gpu.put("memory_used_bytes", m.usedBytes()).put("memory_total_bytes", m.totalBytes()));
    }
    return devices;
  }

  /** One timed training step of the tiny model on the selected device; its figures or its error into {@code out}. */
  private static boolean smokeStep(CohortConfig smoke, ObjectNode out) {
    try {
      ObjectNode step = StepBenchmark.run(smoke, 0, 1);
      double loss = step.path("loss").asDouble();
      out.put("step_ms", step.path("step_ms").asDouble()).put("loss", loss);
      if (step.has("device_memory_used_bytes_max")) out.set("device_memory_used_bytes_max",
          step.get("device_memory_used_bytes_max"));
      if (!Double.isFinite(loss)) out.put("error", "the step's loss is " + loss);
      out.put("ok", Double.isFinite(loss));
    } catch (RuntimeException error) { // a device that cannot be used is a finding here, not a crash
      out.put("ok", false).put("error", String.valueOf(error.getMessage()));
    }
    return out.path("ok").asBoolean();
  }

  /** The report as indented "key: value" lines, arrays of objects one block per element. */
  private static void printText(PrintWriter out, JsonNode node, String indent) {
    for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
      JsonNode value = field.getValue();
      if (value.isObject()) {
        out.println(indent + field.getKey() + ":");
        printText(out, value, indent + "  ");
      } else if (value.isArray() && value.size() > 0 && value.get(0).isObject()) {
        out.println(indent + field.getKey() + ":");
        value.forEach(element -> {
          out.println(indent + "  -");
          printText(out, element, indent + "    ");
        });
      } else {
        out.println(indent + field.getKey() + ": " + (value.isTextual() ? value.asText() : value.toString()));
      }
    }
  }
}
