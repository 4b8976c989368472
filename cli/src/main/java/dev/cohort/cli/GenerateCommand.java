package dev.cohort.cli;

import dev.cohort.data.RunTokenizer;
import dev.cohort.data.Tokenizer;
import dev.cohort.worker.generate.Generator;
import dev.cohort.worker.generate.Sampler;
import dev.cohort.worker.train.TrainedModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Sample a continuation of a prompt from a run's newest checkpoint (KV-cached decoding).")
public final class GenerateCommand implements Callable<Integer> {
  @Mixin RunOptions run;

  @Option(names = "--prompt", required = true) String prompt;
  @Option(names = "--max-tokens", defaultValue = "100") int maxTokens;
  @Option(names = "--temperature", defaultValue = "0.8", description = "0: greedy") double temperature;
  @Option(names = "--top-k", defaultValue = "50", description = "0: no top-k filter") int topK;
  @Option(names = "--top-p", defaultValue = "0.95", description = "1: no nucleus filter") double topP;
  @Option(names = "--seed", defaultValue = "1") long seed;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (prompt.isEmpty()) throw new ParameterException(spec.commandLine(), "--prompt must not be empty");
    Sampler sampler;
    try {
      sampler = new Sampler(temperature, topK, topP);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Threads.configure(0);
    try (TrainedModel trained = TrainedModel.load(run.dir, run.overrides)) {
      Tokenizer tokenizer = RunTokenizer.of(trained.config().data());
      int[] out = new Generator(trained.model(), trained.manager())
          .generate(tokenizer.prompt(prompt), maxTokens, sampler, seed, tokenizer.endOfText());
      System.out.println(prompt + tokenizer.decode(out));
    }
    return 0;
  }
}
