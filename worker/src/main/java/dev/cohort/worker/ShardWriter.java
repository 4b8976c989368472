package dev.cohort.worker;

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

/**
 * Writes a worker's shard into the pending checkpoint directory the coordinator named (a shared file system), in two
 * parts: {@link #write} streams the engine's arrays to the files one tensor at a time, on the engine thread between
 * steps (a host copy of the whole shard first would cost 12 bytes per parameter more); {@link #describe} checksums
 * the written files off the engine thread, while training goes on.
 */
final class ShardWriter {
  private static final Logger log = LoggerFactory.getLogger(ShardWriter.class);

  private ShardWriter() {}

  /** The shard's files and the optimizer steps they hold, written and fsynced but not yet checksummed. */
  record Written(List<Path> files, long optimizerSteps) {}

  /** Writes and fsyncs the shard's files (none when the worker owns nothing). Run on the engine thread. */
  static Written write(SaveShard request, Shard shard) {
    long start = System.nanoTime();
    List<Path> files = List.of();
    if (!shard.isEmpty()) {
      try {
        files = ShardFiles.write(Path.of(request.dir()), shard.suffix(), shard.model(), shard.moments());
      } catch (IOException e) {
        throw cannotWrite(request, e);
      }
    }
    log.info("checkpoint shard of step {}: {} files streamed in {} ms (the engine's pause)", request.step(),
        files.size(), (System.nanoTime() - start) / 1_000_000);
    return new Written(files, shard.optimizerSteps());
  }

  /** Checksums the written files and says what was saved. */
  static ShardSaved describe(SaveShard request, String workerId, Written written) {
    long start = System.nanoTime();
    List<ShardFile> files;
    try {
      files = ShardFiles.describe(written.files()).stream()
          .map(f -> new ShardFile(f.name(), f.bytes(), f.sha256())).toList();
    } catch (IOException e) {
      throw cannotWrite(request, e);
    }
    log.info("checkpoint shard of step {}: checksummed in {} ms (in the background)", request.step(),
        (System.nanoTime() - start) / 1_000_000);
    return new ShardSaved(request.runId(), request.epoch(), request.step(), workerId, files,
        written.optimizerSteps());
  }

  /** The cause's own text ("No space left on device") is what the coordinator's one line must show. */
  private static UncheckedIOException cannotWrite(SaveShard request, IOException e) {
    return new UncheckedIOException("cannot write checkpoint shard into " + request.dir() + ": " + e, e);
  }
}
