package dev.vidgen.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import dev.vidgen.api.HostTensor;
import dev.vidgen.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Token ids and attention masks against the ltx-tiny reference (transformers 4.44 slow {@code T5Tokenizer}
 * over the fixture's {@code spiece.model}, {@code padding="max_length", truncation=True}): exact equality.
 */
class T5TokenizerTest {
  private static final Path CASE = Fixtures.caseDir("ltx-tiny");

  private static long[] row(HostTensor t, int row) {
    int n = (int) t.dim(t.rank() - 1);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = (long) t.data()[row * n + i];
    }
    return out;
  }

  @Test
  void promptAndNegativeIdsAndMasksEqualTheReference() {
    JsonObject call = Fixtures.referenceJson(CASE).getAsJsonObject("call");
    int maxLen = call.get("max_sequence_length").getAsInt();
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    T5Tokenizer tok = T5Tokenizer.load(CASE.resolve("model/tokenizer"));

    T5Tokenizer.Encoding prompt = tok.encode(call.get("prompt").getAsString(), maxLen);
    T5Tokenizer.Encoding negative = tok.encode(call.get("negative_prompt").getAsString(), maxLen);
    assertArrayEquals(row(ref.get("prompt.input_ids"), 0), prompt.inputIds(),
        () -> "prompt ids " + Arrays.toString(prompt.inputIds()));
    assertArrayEquals(row(ref.get("negative.input_ids"), 0), negative.inputIds(),
        () -> "negative ids " + Arrays.toString(negative.inputIds()));
    // The pipeline's mask for the CFG batch is cat([negative, prompt]).
    HostTensor mask = ref.get("transformer.step0.encoder_attention_mask");
    assertArrayEquals(row(mask, 0), negative.attentionMask());
    assertArrayEquals(row(mask, 1), prompt.attentionMask());
    // The SPI view pads to the same length and gives the same ids.
    dev.vidgen.spi.Tokenizer spi = tok.paddedTo(maxLen);
    assertEquals(maxLen, spi.maxLength());
    assertArrayEquals(prompt.inputIds(), spi.encode(call.get("prompt").getAsString()));
  }

  @Test
  void truncatesToMaxLengthKeepingTheEndOfSequenceToken() {
    T5Tokenizer tok = T5Tokenizer.load(CASE.resolve("model/tokenizer"));
    String prompt = "A woman is walking in the rain with a red umbrella";
    long[] full = tok.encode(prompt, 64).inputIds();
    int realLength = (int) Arrays.stream(tok.encode(prompt, 64).attentionMask()).sum();
    T5Tokenizer.Encoding cut = tok.encode(prompt, 5);
    assertEquals(5, cut.inputIds().length);
    // The first four ids of the full encoding, then </s>.
    assertArrayEquals(new long[] {full[0], full[1], full[2], full[3], tok.eosTokenId()}, cut.inputIds());
    assertArrayEquals(new long[] {1, 1, 1, 1, 1}, cut.attentionMask());
    assertEquals(tok.eosTokenId(), full[realLength - 1]);
    assertEquals(tok.padTokenId(), full[realLength]);
  }

  @Test
  void addedTokensAreNotSplitAndEatSurroundingSpaces() {
    T5Tokenizer tok = T5Tokenizer.load(CASE.resolve("model/tokenizer"));
    // <extra_id_0> has id 316 (len(sp_model) - 1 + extra_ids - 0) and lstrip/rstrip: the spaces around it go.
    var tokens = tok.tokenize("rain <extra_id_0> umbrella");
    assertEquals("<extra_id_0>", tokens.get(tokens.indexOf("<extra_id_0>")));
    int[] ids = tok.convertTokensToIds(tokens);
    assertEquals(316, ids[tokens.indexOf("<extra_id_0>")]);
    assertEquals(tok.tokenize("rain<extra_id_0>umbrella"), tokens);
  }
}
