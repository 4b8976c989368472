package dev.cohort.data;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * A directory built under a temporary name beside its target and moved into place only once complete, so
 * a reader never sees half of it and a failure leaves any previous version untouched.
 */
final class StagedDirectory implements AutoCloseable {
  private final Path target;
  private final Path staging;
  private boolean published;

  private StagedDirectory(Path target, Path staging) {
    this.target = target;
    this.staging = staging;
  }

  /** Creates the staging directory next to {@code target} (same file system, so the move is a rename). */
  static StagedDirectory beside(Path target) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    Files.createDirectories(absolute.getParent());
    return new StagedDirectory(absolute, Files.createDirectory(sibling(absolute, "tmp")));
  }

  /** Where to write the contents before {@link #publish}. */
  Path path() {
    return staging;
  }

  /**
   * Moves the staged contents to the target. A directory cannot be renamed over a non-empty one, so an
   * existing target is first renamed aside, then deleted once the new one is in place.
   */
  void publish() throws IOException {
    Path previous = null;
    if (Files.exists(target)) {
      previous = sibling(target, "old");
      move(target, previous);
    }
    try {
      move(staging, target);
    } catch (IOException e) {
      if (previous != null) move(previous, target);
      throw e;
    }
    published = true;
    if (previous != null) deleteRecursively(previous);
  }

  /** Removes the staging directory unless it was published. */
  @Override
  public void close() throws IOException {
    if (!published) deleteRecursively(staging);
  }

  /**
   * A hidden, unused name beside {@code target}. Not Files.createTempDirectory: that makes the directory
   * owner-only, and the published corpus should get the usual permissions.
   */
  private static Path sibling(Path target, String role) {
    return target.resolveSibling("." + target.getFileName() + "." + role + "-" + UUID.randomUUID());
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) return;
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        if (exc != null) throw exc;
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
