package dev.cohort.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Where a JSON-lines corpus comes from: a file (plain or gzip) or the Brown corpus bundled in the jar.
 *
 * @param name how errors and index.json name it: the path as given, or "bundled"
 * @param location the file or classpath resource to read
 * @param sizeBytes stored (possibly compressed) size, or -1 when unknown
 */
record CorpusSource(String name, URL location, long sizeBytes) {
  /** The input name that selects the bundled corpus. */
  static final String BUNDLED = "bundled";
  private static final String BUNDLED_RESOURCE = "/corpus/brown.jsonl.gz";
  private static final int GZIP_MAGIC_0 = 0x1f;
  private static final int GZIP_MAGIC_1 = 0x8b;
  private static final int GZIP_BUFFER_BYTES = 1 << 16;

  static CorpusSource resolve(String input) {
    if (BUNDLED.equals(input)) {
      URL resource = CorpusSource.class.getResource(BUNDLED_RESOURCE);
      if (resource == null) throw new DataError("bundled corpus " + BUNDLED_RESOURCE + " missing from the class path");
      return new CorpusSource(BUNDLED, resource, resourceSize(resource));
    }
    Path path = Path.of(input);
    if (Files.isDirectory(path)) throw new DataError("corpus " + input + " is a directory, expected a JSON-lines file");
    if (!Files.isRegularFile(path)) throw new DataError("corpus file not found: " + input);
    try {
      return new CorpusSource(input, path.toUri().toURL(), Files.size(path));
    } catch (IOException e) {
      throw new DataError("cannot read corpus " + input + ": " + e.getMessage(), e);
    }
  }

  private static long resourceSize(URL resource) {
    try {
      return resource.openConnection().getContentLengthLong();
    } catch (IOException e) {
      throw new DataError("cannot read bundled corpus " + resource + ": " + e.getMessage(), e);
    }
  }

  /** The stored bytes, as they are on disk: what a progress bar over bytes read should count. */
  InputStream openRaw() throws IOException {
    return location.openStream();
  }

  /**
   * The text bytes of {@code raw}: gunzipped when the name ends in .gz or the first two bytes are the gzip
   * magic number, so a compressed file with a plain name still reads.
   */
  static InputStream decompressed(InputStream raw, String name) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw);
    in.mark(2);
    boolean gzipMagic = in.read() == GZIP_MAGIC_0 && in.read() == GZIP_MAGIC_1;
    in.reset();
    return gzipMagic || name.endsWith(".gz") ? new GZIPInputStream(in, GZIP_BUFFER_BYTES) : in;
  }
}
