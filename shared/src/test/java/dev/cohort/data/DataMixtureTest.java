package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.DataConfig;
import dev.cohort.config.DataSourceConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataMixtureTest {
  @TempDir Path dir;

  private Path prepared(String name, String tokenizer, int documents) throws IOException {
    Path corpus = Corpora.write(dir.resolve(name + ".jsonl"), Corpora.lines(Corpora.documents(documents)));
    CorpusPreparer.prepare(corpus.toString(), "text", tokenizer, 0.2, 1, dir.resolve(name), false);
    return dir.resolve(name);
  }

  private static DataConfig mixture(Path a, double weightA, Path b, double weightB) {
    return new DataConfig("bundled", "unused", "text", "gpt2", 0.05, 8,
        List.of(new DataSourceConfig(a.toString(), weightA), new DataSourceConfig(b.toString(), weightB)));
  }

  @Test
  void trainingSamplesComeFromTheSourcesInProportionToTheirWeights() throws IOException {
    DataMixture data = DataMixture.open(mixture(prepared("news", "gpt2", 30), 3, prepared("fiction", "gpt2", 20), 1),
        1, false);
    assertEquals(List.of("news", "fiction"), data.sources().stream().map(DataMixture.Source::name).toList());
    BlendedWindows windows = (BlendedWindows) data.training(8, 1);
    int fromNews = 0;
    for (int g = 0; g < 400; g++) fromNews += windows.source(g) == 0 ? 1 : 0;
    assertEquals(300, fromNews);
  }

  @Test
  void sourcesPreparedWithAnotherTokenizerThanTheRunsAreRefused() throws IOException {
    DataConfig data = mixture(prepared("a", "cl100k", 10), 1, prepared("b", "cl100k", 10), 1);
    DataError e = assertThrows(DataError.class, () -> DataMixture.open(data, 1, false));
    assertTrue(e.getMessage().endsWith("but data.tokenizer is gpt2 (gpt2): set data.tokenizer to the sources' one"),
        e.getMessage());
  }

  @Test
  void sourcesPreparedWithDifferentTokenizersAreRefused() throws IOException {
    DataConfig data = mixture(prepared("a", "gpt2", 10), 1, prepared("b", "cl100k", 10), 1);
    DataError e = assertThrows(DataError.class, () -> DataMixture.open(data, 1, false));
    assertTrue(e.getMessage().startsWith("data.sources must share one tokenizer: "), e.getMessage());
    assertTrue(e.getMessage().contains("gpt2") && e.getMessage().contains("cl100k"), e.getMessage());
  }
}
