package dev.cohort.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * One file of a checkpoint as its manifest lists it.
 *
 * @param name file name inside the checkpoint directory (no directories: a checkpoint is flat)
 * @param bytes size in bytes
 * @param sha256 SHA-256 of the contents, 64 lowercase hex digits
 */
public record ManifestFile(String name, long bytes, String sha256) {
  /** Plain names only, so a manifest can never point outside its directory or at a hidden or temporary file. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public ManifestFile {
    requireValidName(name);
    if (bytes < 0) throw new IllegalArgumentException("file '" + name + "' has negative size " + bytes);
    if (!SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException("file '" + name + "' sha256 '" + sha256 + "' is not 64 lowercase hex digits");
    }
  }

  /**
   * Fsyncs a finished file and describes it (one full read). A worker that wrote a shard into a pending
   * checkpoint's directory calls this and sends the result to whoever commits the manifest.
   */
  public static ManifestFile describe(Path file) throws IOException {
    return DurableFiles.describe(file);
  }

  static void requireValidName(String name) {
    if (!NAME.matcher(name).matches() || name.equals(Manifest.FILE_NAME)) {
      throw new IllegalArgumentException("'" + name + "' is not a valid checkpoint file name (letters, digits, "
          + "'.', '_', '-'; not starting with '.'; not " + Manifest.FILE_NAME + ")");
    }
  }
}
