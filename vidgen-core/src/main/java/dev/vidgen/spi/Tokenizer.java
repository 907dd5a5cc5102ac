package dev.vidgen.spi;

/** Text to token ids, padded/truncated to the encoder's sequence length (CLIP BPE, T5 SentencePiece, ...). */
public interface Tokenizer {
  /** Token ids of {@code text}, exactly as the reference tokenizer gives them, padded to {@link #maxLength()}. */
  long[] encode(String text);

  /** The padded sequence length. */
  int maxLength();
}
