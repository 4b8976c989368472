package dev.cohort.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Tensor code keeps its tensors on the configured device: the model, the training step, a worker's stage, the
 * exchange and the fine-tuning objectives make no CPU tensors of their own (managers come from
 * dev.cohort.device.Devices) and read tensors back to the host only where this list says why. A new host read, or
 * one more of a listed kind in the same file, fails here until it is justified in ALLOWED (and in docs/GPU.md's list
 * of device-to-host reads per step); an entry that no longer occurs fails too, so the list stays true.
 */
class DeviceResidencyTest {
  private static final List<Path> TENSOR_CODE = List.of(Path.of("../model/src/main/java/dev/cohort/model"),
      Path.of("src/main/java/dev/cohort/worker/train"), Path.of("src/main/java/dev/cohort/worker/stage"),
      Path.of("src/main/java/dev/cohort/worker/collective"), Path.of("src/main/java/dev/cohort/worker/align"));

  /** Calls that make a tensor on the CPU whatever the configuration, or copy a tensor's elements to the host. */
  private static final Pattern HOST_CALL = Pattern.compile("Device\\.cpu\\(\\)|Device\\.fromName\\(|newBaseManager\\("
      + "|to(?:Float|Double|Long|Int|Boolean|Byte)Array\\(|toByteBuffer\\(|\\.toArray\\(\\)|get(?:Float|Double|Long|Int)\\("
      + "|HostArrays\\.(?:toHost|toPayload|source)\\(|hostSources\\(|FloatPayloads\\.");
  private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

  private record Allowed(String file, String call, int count, String reason) {}

  private static final List<Allowed> ALLOWED = List.of(
      new Allowed("LocalExperts.java", ".toArray()", 1, "a Java stream (block sizes to long[]), not a tensor"),
      new Allowed("MoeBlock.java", "getDouble(", 1, "the router's entropy, a metric: one scalar per MoE layer"),
      new Allowed("BiasBalancing.java", "toFloatArray(", 1,
          "the E routing biases of a layer, moved on the host once per step so every worker gets identical values"),
      new Allowed("BiasBalancing.java", "toDoubleArray(", 1, "the routing biases, reported: E per layer per step"),
      new Allowed("BiasBalancing.java", ".toArray()", 1, "a Java stream of the reported biases, not a tensor"),
      new Allowed("DispatchPlan.java", "toLongArray(", 1,
          "the E slot counts per expert that size the expert blocks and the all-to-all, once per MoE layer"),
      new Allowed("ChatTemplate.java", ".toArray()", 1, "a Java stream of token ids, not a tensor"),
      new Allowed("EpochOrder.java", ".toArray()", 1, "a Java stream of example indices, not a tensor"),
      new Allowed("TrainingScalars.java", "getDouble(", 1, "the objective's reported figures (metrics)"),
      new Allowed("TrainingScalars.java", "toDoubleArray(", 1, "the objective's reported figures (metrics)"),
      new Allowed("TensorFrames.java", "toByteArray(", 1, "a frame's header bytes: the data plane's I/O"),
      new Allowed("RingAllReduce.java", "FloatPayloads.", 2,
          "the ring works on the host vector its caller copied out once (the data plane)"),
      new Allowed("StageEngine.java", "getFloat(", 1, "the last stage's loss, reported: one per micro-batch"),
      new Allowed("StageEngine.java", "toDoubleArray(", 1, "router loss sums, reported: one read per micro-batch"),
      new Allowed("ZeroSharding.java", "toFloatArray(", 2,
          "gradients and owners' new weights to the data plane: one flat copy per reduction or all-gather"),
      new Allowed("StageEngine.java", "getDouble(", 1, "the counted gradient norm for global clipping, per step"),
      new Allowed("StageEngine.java", "HostArrays.toPayload(", 1,
          "activations and their gradients to the neighbouring stage (the data plane)"),
      new Allowed("StageEngine.java", "hostSources(", 2,
          "checkpoint shards stream host copies to their files, one tensor at a time (I/O)"),
      new Allowed("ExpertParallel.java", "HostArrays.toPayload(", 1, "the expert all-to-all's payloads (the data plane)"),
      new Allowed("TrainingStep.java", "getDouble(", 1,
          "the step's reported scalars: loss terms per micro-batch, the global gradient norm per step"),
      new Allowed("TrainerCheckpoints.java", "hostSources(", 3,
          "checkpoints stream host copies to their files, one tensor at a time (I/O)"),
      new Allowed("TrainerCheckpoints.java", "HostArrays.source(", 1,
          "checkpoints stream host copies to their files, one tensor at a time (I/O)"),
      new Allowed("HostArrays.java", "toByteBuffer(", 2, "the one mapping of arrays to host tensors and payloads (I/O)"),
      new Allowed("HostArrays.java", "Device.cpu()", 1, "a GPU array's host copy for files and the wire, freed at once"));

  @Test
  void tensorCodeReadsTheHostOnlyWhereTheListSaysWhy() throws IOException {
    Map<String, Integer> found = new TreeMap<>();
    for (Path dir : TENSOR_CODE) {
      assertTrue(Files.isDirectory(dir), dir.toAbsolutePath() + " is not a directory");
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = HOST_CALL.matcher(COMMENT.matcher(Files.readString(file)).replaceAll(""));
          while (m.find()) found.merge(file.getFileName() + " " + m.group(), 1, Integer::sum);
        }
      }
    }
    Map<String, Integer> allowed = new TreeMap<>();
    ALLOWED.forEach(a -> allowed.put(a.file() + " " + a.call(), a.count()));
    assertEquals(allowed, found, "host calls in tensor code (file call=count) differ from the justified list");
  }
}
