package dev.cohort.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** File operations whose effect must survive a crash: fsync, atomic rename, checksums, recursive delete. */
final class DurableFiles {
  private static final int READ_CHUNK_BYTES = 1 << 20;

  private DurableFiles() {}

  /** Flushes a file's data, and a directory's entries (creations, renames), to the device. */
  static void fsync(Path fileOrDirectory) throws IOException {
    try (FileChannel channel = FileChannel.open(fileOrDirectory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Renames atomically (same file system), then fsyncs the parent so the rename itself is durable. */
  static void rename(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    fsync(to.getParent());
  }

  /** Fsyncs a finished file, then describes it by name, size and SHA-256. */
  static ManifestFile describe(Path file) throws IOException {
    fsync(file);
    return new ManifestFile(file.getFileName().toString(), Files.size(file), sha256(file));
  }

  /** SHA-256 of a file's contents as 64 lowercase hex digits. */
  static String sha256(Path file) throws IOException {
    MessageDigest sha = newSha256();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer chunk = ByteBuffer.allocate(READ_CHUNK_BYTES);
      for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
        sha.update(chunk.array(), 0, n);
        chunk.clear();
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    List<Path> deepestFirst;
    try (Stream<Path> walk = Files.walk(dir)) {
      deepestFirst = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : deepestFirst) Files.deleteIfExists(p);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
