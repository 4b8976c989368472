package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.checkpoint.CheckpointError;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.data.Tokenizer;
import dev.cohort.hf.HfExport;
import dev.cohort.model.Autograd;
import dev.cohort.model.HostArrays;
import dev.cohort.model.Parameters;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.run.RunDirectory;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.TrainedModel;
import dev.cohort.worker.train.TrainerCheckpoints;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import, export and upcycle end to end through the command line, on tiny models written as Hugging Face dirs. */
class ModelCommandsTest {
  private static final String TOKENIZER = "tokenizer.json";
  private static final Path TINY_DENSE = Path.of("../conf/model/tiny-dense.conf");
  /** float32 logits of two forwards that differ only in rounding (copy upcycling sums w_k * MLP(x)). */
  private static final double ROUNDING = 1e-5;

  @TempDir Path dir;

  @Test
  void importThenExportGivesBackTheSameFilesTokenizerIncludedAndUpcyclingKeepsTheLogits() throws IOException {
    Path hf = writeDenseHfDirectory();
    Path dense = dir.resolve("dense");
    run("import", "--input", hf.toString(), "--output", dense.toString(), "--set", "train.steps=3");
    Path again = dir.resolve("hf-again");
    run("export", "--run", dense.toString(), "--checkpoint", "0", "--output", again.toString());
    Map<String, HostTensor> before = Safetensors.read(hf.resolve(HfExport.WEIGHTS)).tensors();
    assertEquals(before, Safetensors.read(again.resolve(HfExport.WEIGHTS)).tensors(), "weights bitwise equal");
    assertEquals(json(hf.resolve(HfExport.CONFIG)), json(again.resolve(HfExport.CONFIG)));
    CohortConfig imported = CohortConfig.fromHocon(new RunDirectory(dense).resumedConfig(List.of()));
    assertEquals(dense.resolve(TOKENIZER).toAbsolutePath().toString(), imported.data().tokenizer(),
        "the imported run keeps the model's own tokenizer");
    assertArrayEquals(Files.readAllBytes(hf.resolve(TOKENIZER)), Files.readAllBytes(again.resolve(TOKENIZER)));

    Path moe = dir.resolve("moe");
    run("upcycle", "--run", dense.toString(), "--output", moe.toString(), "--method", "copy", "--experts", "4",
        "--topk", "2", "--seed", "5");
    try (TrainedModel a = TrainedModel.load(dense, List.of()); TrainedModel b = TrainedModel.load(moe, List.of())) {
      assertEquals(4, b.config().model().moe().numExperts());
      assertEquals(3, b.config().train().steps(), "the dense run's other settings carry over");
      NDArray tokens = tokens(a.manager(), a.config().model().vocabSize());
      float[] la = a.model().forward(tokens, null).logits().toFloatArray();
      float[] lb = b.model().forward(tokens, null).logits().toFloatArray();
      double gap = 0;
      for (int i = 0; i < la.length; i++) gap = Math.max(gap, Math.abs(la[i] - lb[i]));
      assertTrue(gap < ROUNDING, "copy-upcycled logits differ from the dense ones by " + gap);
    }
    Path exportedMoe = dir.resolve("hf-moe");
    run("export", "--run", moe.toString(), "--output", exportedMoe.toString(), "--dtype", "bfloat16");
    JsonNode config = json(exportedMoe.resolve(HfExport.CONFIG));
    assertEquals("MixtralForCausalLM", config.get("architectures").get(0).asText());
    assertEquals("bfloat16", config.get("torch_dtype").asText());
  }

  @Test
  void aGpuRunsCheckpointsAreImportedAndExportedWithoutAGpu() throws IOException {
    Path hf = writeDenseHfDirectory();
    Path gpuRun = dir.resolve("gpu-run");
    run("import", "--input", hf.toString(), "--output", gpuRun.toString(), "--set", "train.device = \"gpu:0\"");
    Path exported = dir.resolve("hf-from-gpu-run");
    run("export", "--run", gpuRun.toString(), "--output", exported.toString());
    assertEquals(Safetensors.read(hf.resolve(HfExport.WEIGHTS)).tensors(),
        Safetensors.read(exported.resolve(HfExport.WEIGHTS)).tensors(), "weights bitwise equal");
  }

  @Test
  void theNewestCheckpointIsReadUnlessAStepIsNamed() throws IOException {
    Path dense = dir.resolve("dense");
    run("import", "--input", writeDenseHfDirectory().toString(), "--output", dense.toString());
    CohortConfig config = CohortConfig.fromHocon(new RunDirectory(dense).resumedConfig(List.of()));
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters later = Parameters.initialize(ModelLayout.of(config.model()), 77, manager, DataType.FLOAT32);
      new TrainerCheckpoints(new RunDirectory(dense).checkpoints(), config.checkpoint().keep())
          .save(7, later, new AdamW(config.train(), later), config);
    }
    assertEquals(7, RunCheckpoints.read(dense, null).step());
    assertEquals(0, RunCheckpoints.read(dense, 0L).step());
    CheckpointError error = assertThrows(CheckpointError.class, () -> RunCheckpoints.read(dense, 3L));
    assertTrue(error.getMessage().contains("no complete checkpoint of step 3; there are [7, 0]"), error.getMessage());
  }

  @Test
  void exportingALoopedModelFailsWithTheReason() throws IOException {
    Path dense = dir.resolve("dense");
    run("import", "--input", writeDenseHfDirectory().toString(), "--output", dense.toString());
    Path looped = dir.resolve("looped");
    run("upcycle", "--run", dense.toString(), "--output", looped.toString(), "--experts", "2", "--topk", "1",
        "--set", "model.loop.start=0", "--set", "model.loop.end=1", "--set", "model.loop.times=3");
    StringWriter err = new StringWriter();
    int exit = Main.commandLine().setErr(new PrintWriter(err))
        .execute("export", "--run", looped.toString(), "--output", dir.resolve("out").toString());
    assertEquals(Main.EXIT_BAD_INPUT, exit);
    assertTrue(err.toString().contains("looped layers"), err.toString());
  }

  private Path writeDenseHfDirectory() throws IOException {
    ModelConfig model = CohortConfig.load(TINY_DENSE, List.of()).model();
    Path hf = dir.resolve("hf");
    try (NDManager manager = NDManager.newBaseManager()) { // loads the engine before any JNI call
      Autograd.record(false);
      Parameters params = Parameters.initialize(ModelLayout.of(model), 21, manager, DataType.FLOAT32);
      Map<String, HostTensor> tensors = new LinkedHashMap<>();
      params.asMap().forEach((name, array) -> tensors.put(name, HostArrays.toHost(array)));
      HfExport.write(model, tensors, Tokenizer.named("gpt2"), new HfExport.Options(DType.F32, false), hf);
    }
    return hf;
  }

  private static void run(String... args) {
    StringWriter err = new StringWriter();
    int exit = Main.commandLine().setErr(new PrintWriter(err)).execute(args);
    assertEquals(0, exit, String.join(" ", args) + ": " + err);
  }

  private static NDArray tokens(NDManager manager, int vocab) {
    long[] ids = new long[16];
    for (int i = 0; i < ids.length; i++) ids[i] = (i * 37L + 11) % vocab;
    return manager.create(ids, new Shape(2, 8));
  }

  private static JsonNode json(Path file) throws IOException {
    return new ObjectMapper().readTree(file.toFile());
  }
}
