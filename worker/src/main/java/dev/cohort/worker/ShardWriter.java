package dev.cohort.worker;

import dev.cohort.checkpoint.ManifestFile;
import dev.cohort.checkpoint.ShardFiles;
import dev.cohort.protocol.CoordinatorProtocol.ShardFile;
import dev.cohort.protocol.CoordinatorProtocol.ShardSaved;
import dev.cohort.protocol.WorkerProtocol.SaveShard;
import dev.cohort.worker.stage.Shard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes a worker's shard into the pending checkpoint directory the coordinator named (a shared file system). */
final class ShardWriter {
  private static final Logger log = LoggerFactory.getLogger(ShardWriter.class);

  private ShardWriter() {}

  /** Writes and fsyncs the shard's files (none when the worker owns nothing) and says what it wrote. */
  static ShardSaved write(SaveShard request, String workerId, Shard shard) {
    long start = System.nanoTime();
    List<ShardFile> files = List.of();
    if (!shard.isEmpty()) {
      try {
        files = ShardFiles.write(Path.of(request.dir()), shard.suffix(), shard.model(), shard.moments())
            .stream().map(ShardWriter::wire).toList();
      } catch (IOException e) {
        // The cause's own text ("No space left on device") is what the coordinator's one line must show.
        throw new UncheckedIOException("cannot write checkpoint shard into " + request.dir() + ": " + e, e);
      }
    }
    log.info("checkpoint shard of step {}: snapshot {} ms (the engine's pause), {} files written in {} ms "
        + "(in the background)", request.step(), Math.round(shard.snapshotMs()), files.size(),
        (System.nanoTime() - start) / 1_000_000);
    return new ShardSaved(request.runId(), request.epoch(), request.step(), workerId, files, shard.optimizerSteps());
  }

  private static ShardFile wire(ManifestFile f) {
    return new ShardFile(f.name(), f.bytes(), f.sha256());
  }
}
