package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.hf.HfImport;
import dev.cohort.model.layout.ModelLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Read a Hugging Face LLaMA / Mixtral / Qwen2-MoE directory into a new Cohort run (resolved "
        + "config.conf and a step-0 checkpoint); eval, generate and train --resume then work on it. The directory's "
        + "tokenizer.json (with tokenizer_config.json) is copied into the run and becomes its data.tokenizer, with "
        + "data.prepared inside the run, so training continues on the model's own tokenizer.")
public final class ImportCommand implements Callable<Integer> {
  private static final String TOKENIZER = "tokenizer.json";
  private static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  /** The imported run's prepared corpus, inside the run: it is tokenized with the run's own tokenizer. */
  private static final String PREPARED = "data";

  @Option(names = "--input", paramLabel = "DIR", required = true, description = "config.json + model.safetensors")
  Path input;

  @Option(names = "--output", paramLabel = "RUN_DIR", required = true, description = "New run directory")
  Path output;

  @Mixin ConfigOptions config;

  @Override
  public Integer call() throws IOException {
    HfImport.Imported imported = HfImport.read(input);
    // The model comes from config.json; --config / --set choose everything else (data, training), the tokenizer
    // and where its corpus goes included.
    Path absolute = output.toAbsolutePath().normalize();
    boolean ownTokenizer = Files.isRegularFile(input.resolve(TOKENIZER));
    List<String> settings = new ArrayList<>();
    if (ownTokenizer) {
      settings.add("data.tokenizer = \"" + absolute.resolve(TOKENIZER) + "\"");
      settings.add("data.prepared = \"" + absolute.resolve(PREPARED) + "\"");
    }
    settings.addAll(config.overrides);
    settings.addAll(imported.modelSettings());
    CohortConfig created = RunCheckpoints.create(output, RunCheckpoints.configFor(output, config.file, settings),
        imported.tensors());
    if (ownTokenizer) {
      Files.copy(input.resolve(TOKENIZER), output.resolve(TOKENIZER));
      if (Files.isRegularFile(input.resolve(TOKENIZER_CONFIG))) {
        Files.copy(input.resolve(TOKENIZER_CONFIG), output.resolve(TOKENIZER_CONFIG));
      }
    }
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("input", input.toString());
    out.put("architecture", imported.architecture().className());
    out.put("parameters", ModelLayout.parameterCount(created.model()));
    out.put("run", output.toString());
    out.put("tokenizer", created.data().tokenizer());
    System.out.println(out);
    return 0;
  }
}
