package dev.cohort.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Appends token ids to a new file in the layout {@link TokenFile} reads, counting tokens and documents. */
final class TokenWriter implements AutoCloseable {
  private static final int BUFFER_BYTES = 1 << 20;

  private final FileChannel channel;
  private final TokenDtype dtype;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private long tokens;
  private long documents;
  private long textBytes;

  TokenWriter(Path path, TokenDtype dtype) throws IOException {
    this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    this.dtype = dtype;
  }

  /** Writes one document's tokens, made from {@code bytes} bytes of text, followed by its end-of-text marker. */
  void writeDocument(int[] documentTokens, long bytes, int endOfText) throws IOException {
    for (int token : documentTokens) put(token);
    put(endOfText);
    tokens += documentTokens.length + 1;
    documents++;
    textBytes += bytes;
  }

  SplitStats stats() {
    return new SplitStats(tokens, documents, textBytes);
  }

  private void put(int token) throws IOException {
    if (buffer.remaining() < dtype.bytes()) flush();
    if (dtype == TokenDtype.UINT16) buffer.putShort((short) token);
    else buffer.putInt(token);
  }

  private void flush() throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) channel.write(buffer);
    buffer.clear();
  }

  /** Flushes and forces the file to disk, so the directory is complete before it is moved into place; idempotent. */
  @Override
  public void close() throws IOException {
    if (!channel.isOpen()) return;
    try (channel) {
      flush();
      channel.force(true);
    }
  }
}
