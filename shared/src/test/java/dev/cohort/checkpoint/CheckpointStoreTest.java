package dev.cohort.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class CheckpointStoreTest {
  private static final String MODEL = "model.safetensors";
  private static final String OPTIMIZER = "optimizer.safetensors";

  @TempDir Path dir;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger storeLog = (Logger) LoggerFactory.getLogger(CheckpointStore.class);

  @BeforeEach
  void captureLog() {
    logged.start();
    storeLog.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    storeLog.detachAppender(logged);
  }

  @Test
  void committedCheckpointIsLatestWithItsStateAndTensors() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    assertTrue(store.latest().isEmpty());
    commit(store, 100);

    Checkpoint latest = store.latest().orElseThrow();
    assertEquals(100, latest.step());
    assertSameJson(state(100), latest.state());
    assertEquals(dir.resolve("step-00000100"), latest.dir());
    assertEquals(List.of(Manifest.FILE_NAME, MODEL, OPTIMIZER), fileNames(latest.dir()));
    assertEquals(List.of(MODEL, OPTIMIZER), latest.files().stream().map(ManifestFile::name).toList());
    assertArrayEquals(weights(100), Safetensors.read(latest.path(MODEL)).tensor("model.norm.weight").toFloats());
    assertThrows(CheckpointError.class, () -> latest.path("other.safetensors"));
  }

  @Test
  void corruptByteMakesLatestFallBackToPreviousWithOneWarning() throws IOException {
    CheckpointStore store = twoCheckpoints();
    Path model = dir.resolve("step-00000200").resolve(MODEL);
    try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
      f.seek(f.length() - 1);
      int last = f.read();
      f.seek(f.length() - 1);
      f.write(last ^ 1);
    }
    assertEquals(100, store.latest().orElseThrow().step());
    assertOneWarning("checkpoint step-00000200 skipped: model.safetensors sha256 mismatch");
  }

  @Test
  void truncatedFileMakesLatestFallBack() throws IOException {
    CheckpointStore store = twoCheckpoints();
    Path optimizer = dir.resolve("step-00000200").resolve(OPTIMIZER);
    long size = Files.size(optimizer);
    try (RandomAccessFile f = new RandomAccessFile(optimizer.toFile(), "rw")) {
      f.setLength(size - 4);
    }
    assertEquals(100, store.latest().orElseThrow().step());
    assertOneWarning("checkpoint step-00000200 skipped: optimizer.safetensors has " + (size - 4)
        + " bytes, the manifest says " + size);
  }

  @Test
  void missingFileMakesLatestFallBack() throws IOException {
    CheckpointStore store = twoCheckpoints();
    Files.delete(dir.resolve("step-00000200").resolve(MODEL));
    assertEquals(100, store.latest().orElseThrow().step());
    assertOneWarning("checkpoint step-00000200 skipped: model.safetensors missing");
  }

  @Test
  void checkpointWithoutManifestMakesLatestFallBack() throws IOException {
    CheckpointStore store = twoCheckpoints();
    Files.delete(dir.resolve("step-00000200").resolve(Manifest.FILE_NAME));
    assertEquals(100, store.latest().orElseThrow().step());
    assertOneWarning("checkpoint step-00000200 skipped: manifest.json missing");
  }

  @Test
  void leftoverTempDirectoryIsIgnoredThenCleanedByTheNextCommit() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    commit(store, 100);
    PendingCheckpoint abandoned = store.begin(200);
    writeTensors(abandoned, 200);

    CheckpointStore restarted = new CheckpointStore(dir, 3);
    assertEquals(100, restarted.latest().orElseThrow().step());
    assertTrue(logged.list.isEmpty(), "a temporary directory is not a checkpoint to warn about");
    commit(restarted, 300);
    assertFalse(Files.exists(abandoned.dir()));
    assertEquals(List.of("step-00000100", "step-00000300"), fileNames(dir));
  }

  @Test
  void commitKeepsOnlyTheLastKCompleteCheckpoints() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 2);
    for (long step = 100; step <= 400; step += 100) commit(store, step);
    assertEquals(List.of("step-00000300", "step-00000400"), fileNames(dir));
    assertEquals(List.of(400L, 300L), store.list().stream().map(Checkpoint::step).toList());
  }

  @Test
  void closingWithoutCommitLeavesNothingBehind() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 2);
    try (PendingCheckpoint pending = store.begin(100)) {
      writeTensors(pending, 100);
    }
    assertEquals(List.of(), fileNames(dir));
  }

  @Test
  void commitManifestTakesFilesDescribedByTheirWriters() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 2);
    try (PendingCheckpoint pending = store.begin(100)) {
      writeTensors(pending, 100);
      List<ManifestFile> described = List.of(ManifestFile.describe(pending.dir().resolve(MODEL)),
          ManifestFile.describe(pending.dir().resolve(OPTIMIZER)));
      pending.commitManifest(state(100), described);
      assertEquals(described, store.latest().orElseThrow().files());
    }
  }

  @Test
  void commitManifestRejectsAFileTheListLeavesOut() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 2);
    try (PendingCheckpoint pending = store.begin(100)) {
      writeTensors(pending, 100);
      List<ManifestFile> onlyModel = List.of(ManifestFile.describe(pending.dir().resolve(MODEL)));
      CheckpointError e = assertThrows(CheckpointError.class, () -> pending.commitManifest(state(100), onlyModel));
      assertEquals(pending.dir().resolve(OPTIMIZER), e.file());
      assertEquals("is in the checkpoint directory but not in its manifest", e.problem());
    }
    assertTrue(store.latest().isEmpty());
  }

  @Test
  void recommittingAStepReplacesTheCheckpointOfThatStep() throws IOException {
    CheckpointStore store = twoCheckpoints();
    Files.delete(dir.resolve("step-00000200").resolve(MODEL));
    try (PendingCheckpoint pending = store.begin(200)) {
      writeTensors(pending, 999);
      pending.commit(state(999));
    }
    assertSameJson(state(999), store.latest().orElseThrow().state());
    assertEquals(List.of("step-00000100", "step-00000200"), fileNames(dir));
  }

  private CheckpointStore twoCheckpoints() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    commit(store, 100);
    commit(store, 200);
    return store;
  }

  private static void commit(CheckpointStore store, long step) throws IOException {
    try (PendingCheckpoint pending = store.begin(step)) {
      writeTensors(pending, step);
      pending.commit(state(step));
    }
  }

  private static void writeTensors(PendingCheckpoint pending, long step) throws IOException {
    HostTensor w = HostTensor.ofFloats(new long[] {4}, weights(step));
    Safetensors.write(pending.file(MODEL), Map.of("model.norm.weight", w), Map.of());
    Safetensors.write(pending.file(OPTIMIZER), Map.of("exp_avg.model.norm.weight", w,
        "exp_avg_sq.model.norm.weight", w), Map.of());
  }

  private static float[] weights(long step) {
    return new float[] {step, step + 1, step + 2, step + 3};
  }

  private static JsonNode state(long step) {
    ObjectNode state = Json.MAPPER.createObjectNode();
    state.putObject("data").put("shard", 0).put("offset", step * 10);
    state.put("rng", "seed-" + step);
    return state;
  }

  /** Compared as text: Jackson reads back as an int node a number that was put as a long. */
  private static void assertSameJson(JsonNode expected, JsonNode actual) {
    assertEquals(expected.toString(), actual.toString());
  }

  private void assertOneWarning(String expected) {
    List<String> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertEquals(List.of(expected), warnings);
  }

  private static List<String> fileNames(Path directory) throws IOException {
    try (Stream<Path> s = Files.list(directory)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
