package dev.cohort.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The index.json of a prepared corpus: everything needed to read its token files and to tell how they
 * were made.
 *
 * @param formatVersion layout version of the prepared directory; bumped when the files change meaning
 * @param tokenizer the tokenizer as the corpus was prepared with it: a bundled name or a tokenizer.json's path
 * @param tokenizerFingerprint {@link Tokenizer#fingerprint}: the name, or the tokenizer.json's SHA-256, whose
 *     copy sits beside index.json
 * @param vocabSize every token id is below this
 * @param endOfText the id appended after each document (eos)
 * @param dtype token storage, "uint16" or "int32" (see {@link TokenDtype})
 * @param train the training split
 * @param validation the validation split
 * @param source the corpus it was prepared from: a path, or "bundled"
 * @param field the JSON field read from each line
 * @param seed seed of the document split
 * @param validationFraction requested share of documents in the validation split
 */
public record CorpusIndex(
    int formatVersion,
    String tokenizer,
    String tokenizerFingerprint,
    int vocabSize,
    int endOfText,
    String dtype,
    SplitStats train,
    SplitStats validation,
    String source,
    String field,
    long seed,
    double validationFraction) {

  public static final int FORMAT_VERSION = 2;
  public static final String FILE_NAME = "index.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public TokenDtype tokenDtype() {
    return TokenDtype.fromLabel(dtype);
  }

  void write(Path file) throws IOException {
    JSON.writeValue(file.toFile(), this);
  }

  static CorpusIndex read(Path file) {
    try {
      return JSON.readValue(file.toFile(), CorpusIndex.class);
    } catch (IOException e) {
      throw new DataError("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
