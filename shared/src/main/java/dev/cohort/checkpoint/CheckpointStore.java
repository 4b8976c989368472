package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of checkpoints, one subdirectory {@code step-%08d} each, holding any number of files plus the
 * {@code manifest.json} that lists them with size and SHA-256. A checkpoint is staged in a temporary sibling
 * directory and renamed into place only when every file and the manifest are durable, so a crash at any moment
 * leaves either the previous set of checkpoints or the new one, plus at worst a temporary directory.
 *
 * <p>One process writes to a directory at a time (the trainer, later the coordinator); any number may read.
 */
public final class CheckpointStore {
  private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
  private static final Pattern CHECKPOINT_DIR = Pattern.compile("step-(\\d{8,18})");
  /** Staged, replaced and half-deleted checkpoints: never read, deleted by the next commit. */
  private static final Pattern TEMP_DIR = Pattern.compile("step-\\d{8,18}\\.tmp-.*");
  private static final String TEMP_MARK = ".tmp-";
  private static final int RANDOM_RADIX = 36;

  private final Path dir;
  private final int keep;
  /** Staging directories of this store's open pending checkpoints, which cleaning must spare. */
  private final Set<Path> staging = ConcurrentHashMap.newKeySet();

  /** @param keep how many complete checkpoints to keep; each commit deletes older ones */
  public CheckpointStore(Path dir, int keep) throws IOException {
    if (keep < 1) throw new IllegalArgumentException("keep must be >= 1, got " + keep);
    this.dir = Files.createDirectories(dir);
    this.keep = keep;
  }

  public Path dir() {
    return dir;
  }

  public static String dirName(long step) {
    return String.format("step-%08d", step);
  }

  /** Starts a checkpoint of this step: write its files into {@link PendingCheckpoint#dir()}, then commit. */
  public PendingCheckpoint begin(long step) throws IOException {
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    Path temp = Files.createDirectory(dir.resolve(tempName(dirName(step))));
    staging.add(temp);
    return new PendingCheckpoint(this, step, temp);
  }

  /** The newest complete checkpoint; each newer one that is corrupt or incomplete is skipped with a warning. */
  public Optional<Checkpoint> latest() throws IOException {
    for (Candidate c : candidates()) {
      Optional<Checkpoint> complete = verified(c);
      if (complete.isPresent()) return complete;
    }
    return Optional.empty();
  }

  /** Every complete checkpoint, newest first (reads every file to check its checksum). */
  public List<Checkpoint> list() throws IOException {
    List<Checkpoint> complete = new ArrayList<>();
    for (Candidate c : candidates()) verified(c).ifPresent(complete::add);
    return complete;
  }

  Checkpoint commit(PendingCheckpoint pending, JsonNode state, List<ManifestFile> files) throws IOException {
    Path staged = pending.dir();
    checkStagedFiles(staged, files);
    Manifest manifest = new Manifest(Manifest.VERSION, pending.step(), Instant.now(), state, files);
    writeManifest(staged, manifest);
    Path target = dir.resolve(dirName(pending.step()));
    // A checkpoint of the same step (say a corrupt one a resumed run is now rewriting) is moved aside, not merged.
    if (Files.exists(target)) DurableFiles.rename(target, dir.resolve(tempName(target.getFileName().toString())));
    DurableFiles.rename(staged, target);
    staging.remove(staged);
    prune();
    return new Checkpoint(target, manifest);
  }

  void abort(PendingCheckpoint pending) throws IOException {
    staging.remove(pending.dir());
    DurableFiles.deleteRecursively(pending.dir());
  }

  /** The staged directory must hold exactly the listed files, at the listed sizes. */
  private static void checkStagedFiles(Path staged, List<ManifestFile> files) throws IOException {
    for (ManifestFile f : files) {
      Path file = staged.resolve(f.name());
      if (!Files.isRegularFile(file)) throw new CheckpointError(file, "listed in the manifest but missing");
      long size = Files.size(file);
      if (size != f.bytes()) throw new CheckpointError(file, "has " + size + " bytes, the manifest says " + f.bytes());
    }
    Set<String> listed = Set.copyOf(files.stream().map(ManifestFile::name).toList());
    for (Path present : PendingCheckpoint.entries(staged)) {
      if (!listed.contains(present.getFileName().toString())) {
        throw new CheckpointError(present, "is in the checkpoint directory but not in its manifest");
      }
    }
  }

  /** Written to a temporary name, fsynced, then renamed: a manifest is either whole or absent. */
  private static void writeManifest(Path staged, Manifest manifest) throws IOException {
    Path temp = staged.resolve(Manifest.FILE_NAME + TEMP_MARK);
    Files.write(temp, manifest.toJson());
    DurableFiles.fsync(temp);
    DurableFiles.rename(temp, staged.resolve(Manifest.FILE_NAME));
  }

  /** Keeps the newest {@code keep} complete checkpoints, deletes every other one and every stale temporary. */
  private void prune() throws IOException {
    for (Path temp : tempDirs()) {
      if (!staging.contains(temp)) DurableFiles.deleteRecursively(temp);
    }
    int kept = 0;
    for (Candidate c : candidates()) {
      if (kept < keep && isStructurallyComplete(c)) {
        kept++;
      } else {
        // Renamed first so that a crash halfway through the delete leaves a temporary, not a broken checkpoint.
        Path doomed = dir.resolve(tempName(c.dir().getFileName().toString()));
        DurableFiles.rename(c.dir(), doomed);
        DurableFiles.deleteRecursively(doomed);
      }
    }
  }

  /** Manifest and sizes only: pruning runs at every commit and must not reread every kept checkpoint. */
  private static boolean isStructurallyComplete(Candidate c) {
    try {
      verify(c, false);
      return true;
    } catch (CheckpointError | IOException e) {
      return false;
    }
  }

  private static Optional<Checkpoint> verified(Candidate c) {
    try {
      return Optional.of(verify(c, true));
    } catch (CheckpointError e) {
      log.warn("checkpoint {} skipped: {}", c.dir().getFileName(), e.problem());
    } catch (IOException e) {
      log.warn("checkpoint {} skipped: cannot read it: {}", c.dir().getFileName(), e.toString());
    }
    return Optional.empty();
  }

  /** The checkpoint in this directory, or a {@link CheckpointError} whose problem names the file at fault. */
  private static Checkpoint verify(Candidate c, boolean checksums) throws IOException {
    Manifest manifest = Manifest.read(c.dir().resolve(Manifest.FILE_NAME));
    if (manifest.step() != c.step()) {
      throw new CheckpointError(c.dir(), Manifest.FILE_NAME + " says step " + manifest.step());
    }
    for (ManifestFile f : manifest.files()) {
      Path file = c.dir().resolve(f.name());
      if (!Files.isRegularFile(file)) throw new CheckpointError(file, f.name() + " missing");
      long size = Files.size(file);
      if (size != f.bytes()) {
        throw new CheckpointError(file, f.name() + " has " + size + " bytes, the manifest says " + f.bytes());
      }
      if (checksums && !DurableFiles.sha256(file).equals(f.sha256())) {
        throw new CheckpointError(file, f.name() + " sha256 mismatch");
      }
    }
    return new Checkpoint(c.dir(), manifest);
  }

  private record Candidate(Path dir, long step) {}

  /** Directories named like a checkpoint, newest step first, whatever their state. */
  private List<Candidate> candidates() throws IOException {
    List<Candidate> found = new ArrayList<>();
    for (Path p : subdirectories()) {
      Matcher m = CHECKPOINT_DIR.matcher(p.getFileName().toString());
      if (m.matches()) found.add(new Candidate(p, Long.parseLong(m.group(1))));
    }
    found.sort(Comparator.comparingLong(Candidate::step).reversed());
    return found;
  }

  private List<Path> tempDirs() throws IOException {
    return subdirectories().stream().filter(p -> TEMP_DIR.matcher(p.getFileName().toString()).matches()).toList();
  }

  private List<Path> subdirectories() throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).toList();
    }
  }

  private static String tempName(String base) {
    return base + TEMP_MARK + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), RANDOM_RADIX);
  }
}
