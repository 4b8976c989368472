package dev.cohort.cli;

import dev.cohort.worker.align.GenreTask;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "task", mixinStandardHelpOptions = true,
    description = "Build the Brown genre task: sft.jsonl, dpo.jsonl, dev.jsonl and held-out.jsonl (split by document).")
public final class TaskCommand implements Callable<Integer> {
  @Option(names = "--corpus", defaultValue = "bundled",
      description = "JSON lines with id, category, text; 'bundled' is the Brown corpus in the jar")
  String corpus;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the four files go")
  Path out;

  @Option(names = "--genres", split = ",", paramLabel = "LETTER=WORD",
      defaultValue = "a=news,d=religion,h=government,p=romance",
      description = "Brown categories and their answer words (default: ${DEFAULT-VALUE})")
  Map<String, String> genres = new LinkedHashMap<>();

  @Option(names = "--passage-words", defaultValue = "24") int passageWords;

  // Few demonstrations and more preference passages, as labels usually come: a demonstration costs more to write
  // than a choice between two answers.
  @Option(names = "--sft-per-genre", defaultValue = "150") int sftPerGenre;

  @Option(names = "--dpo-per-genre", defaultValue = "600",
      description = "Passages per genre for DPO, disjoint from SFT's; each makes one pair per other genre")
  int dpoPerGenre;

  @Option(names = "--dev-per-genre", defaultValue = "50", description = "Questions per genre to tune recipes on")
  int devPerGenre;

  @Option(names = "--held-out-per-genre", defaultValue = "50") int heldOutPerGenre;

  @Option(names = "--held-out-fraction", defaultValue = "0.2", description = "Share of each genre's documents")
  double heldOutFraction;

  @Option(names = "--dev-fraction", defaultValue = "0.1", description = "Share of each genre's documents")
  double devFraction;

  @Option(names = "--seed", defaultValue = "11") long seed;

  @Override
  public Integer call() {
    GenreTask.Counts counts = GenreTask.write(corpus, out, new GenreTask.Settings(genres, passageWords,
        new GenreTask.PerGenre(sftPerGenre, dpoPerGenre, devPerGenre, heldOutPerGenre), heldOutFraction, devFraction,
        seed));
    System.out.printf("%d SFT examples, %d DPO pairs, %d dev and %d held-out questions in %s%n", counts.sft(),
        counts.dpo(), counts.dev(), counts.heldOut(), out);
    return 0;
  }
}
