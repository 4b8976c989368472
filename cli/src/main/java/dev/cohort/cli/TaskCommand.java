package dev.cohort.cli;

import dev.cohort.worker.align.GenreTask;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "task", mixinStandardHelpOptions = true,
    description = "Build the Brown genre task: sft.jsonl, dpo.jsonl and held-out.jsonl (held out by document).")
public final class TaskCommand implements Callable<Integer> {
  @Option(names = "--corpus", defaultValue = "bundled",
      description = "JSON lines with id, category, text; 'bundled' is the Brown corpus in the jar")
  String corpus;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the three files go")
  Path out;

  @Option(names = "--genres", split = ",", paramLabel = "LETTER=WORD",
      defaultValue = "a=news,d=religion,h=government,p=romance",
      description = "Brown categories and their answer words (default: ${DEFAULT-VALUE})")
  Map<String, String> genres = new LinkedHashMap<>();

  @Option(names = "--passage-words", defaultValue = "24") int passageWords;

  @Option(names = "--train-per-genre", defaultValue = "300") int trainPerGenre;

  @Option(names = "--held-out-per-genre", defaultValue = "50") int heldOutPerGenre;

  @Option(names = "--held-out-fraction", defaultValue = "0.2", description = "Share of each genre's documents")
  double heldOutFraction;

  @Option(names = "--dpo-pairs", defaultValue = "400", description = "Preference pairs, from the training passages")
  int dpoPairs;

  @Option(names = "--seed", defaultValue = "7") long seed;

  @Override
  public Integer call() {
    GenreTask.Counts counts = GenreTask.write(corpus, out, new GenreTask.Settings(genres, passageWords,
        trainPerGenre, heldOutPerGenre, heldOutFraction, dpoPairs, seed));
    System.out.printf("%d SFT examples, %d DPO pairs and %d held-out questions in %s%n", counts.train(), counts.dpo(),
        counts.heldOut(), out);
    return 0;
  }
}
