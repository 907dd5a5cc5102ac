package dev.vidgen.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vidgen.api.ConfigException;
import dev.vidgen.api.HostTensor;
import dev.vidgen.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Token ids against the ids diffusers fed its text encoder ({@code prompt.input_ids}, {@code negative.input_ids}),
 * through {@code tokenizer.json} and through the vocab.json + merges.txt conversion; and the two paths against each
 * other on prompts that exercise normalisation, punctuation and truncation.
 */
class ClipTokenizerTest {
  private static final List<String> EXTRA_PROMPTS = List.of(
      "Hello, World! It's a DOG's life... isn't it?",
      "A   cat \t\n  on   the   MOON!!!",
      "sunset, 4k, (masterpiece), [best quality] -- 1920x1080 @ 60fps; 100% \"real\"",
      "Ünïcödé café, naïve façade — 東京 🐼",
      "!!! ! !pad",
      "",
      "   ",
      "<|endoftext|> inside <|startoftext|> text",
      String.join(" ", java.util.Collections.nCopies(60, "a panda eats bamboo")));

  @ParameterizedTest
  @ValueSource(strings = {"modelscope-tiny", "modelscope-tiny-dpm"})
  void idsEqualDiffusersWithTokenizerJson(String caseName) {
    Path dir = Fixtures.caseDir(caseName);
    try (ClipTokenizer tok = ClipTokenizer.load(dir.resolve("model/tokenizer"))) {
      checkAgainstReference(dir, tok);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"modelscope-tiny", "modelscope-tiny-dpm"})
  void idsEqualDiffusersFromVocabAndMerges(String caseName, @TempDir Path tmp) {
    Path dir = Fixtures.caseDir(caseName);
    Path slowOnly = copyWithoutTokenizerJson(dir.resolve("model/tokenizer"), tmp);
    try (ClipTokenizer tok = ClipTokenizer.load(slowOnly)) {
      assertTrue(tok.toString().contains("vocab.json"), tok.toString());
      checkAgainstReference(dir, tok);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"modelscope-tiny", "modelscope-tiny-dpm"})
  void bothPathsAgreeOnHardPrompts(String caseName, @TempDir Path tmp) {
    Path tokDir = Fixtures.caseDir(caseName).resolve("model/tokenizer");
    Path slowOnly = copyWithoutTokenizerJson(tokDir, tmp);
    try (ClipTokenizer fast = ClipTokenizer.load(tokDir); ClipTokenizer slow = ClipTokenizer.load(slowOnly)) {
      assertEquals(fast.padTokenId(), slow.padTokenId());
      for (String p : EXTRA_PROMPTS) {
        long[] a = fast.encode(p);
        long[] b = slow.encode(p);
        assertArrayEquals(a, b, "prompt '" + p + "': tokenizer.json gives " + Arrays.toString(a)
            + " but vocab+merges gives " + Arrays.toString(b));
        assertEquals(77, b.length);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"modelscope-tiny", "modelscope-tiny-dpm"})
  void normalisationAndTruncation(String caseName, @TempDir Path tmp) {
    Path slowOnly = copyWithoutTokenizerJson(Fixtures.caseDir(caseName).resolve("model/tokenizer"), tmp);
    try (ClipTokenizer tok = ClipTokenizer.load(slowOnly)) {
      // lowercase + whitespace runs collapse
      assertArrayEquals(tok.encode("a cat on the moon"), tok.encode("A   Cat\ton THE\n\nmoon"));
      long bos = tok.encode("")[0];
      long eos = tok.encode("")[1];
      long pad = tok.padTokenId();
      // empty prompt: bos, eos, then padding
      long[] empty = tok.encode("");
      for (int i = 2; i < empty.length; i++) {
        assertEquals(pad, empty[i], "padding at " + i);
      }
      // a prompt longer than 77 tokens is cut to 77 with the end token last and no padding
      long[] longIds = tok.encode(EXTRA_PROMPTS.get(EXTRA_PROMPTS.size() - 1));
      assertEquals(77, longIds.length);
      assertEquals(bos, longIds[0]);
      assertEquals(eos, longIds[76]);
      assertFalse(Arrays.stream(longIds, 1, 76).anyMatch(id -> id == eos && eos != pad),
          "no end token inside a truncated prompt");
      // a prefix of the long prompt tokenizes to the same first tokens
      long[] shortIds = tok.encode("a panda eats bamboo a panda eats bamboo");
      int n = 0;
      while (shortIds[n + 1] != eos) {
        n++;
      }
      assertArrayEquals(Arrays.copyOfRange(shortIds, 0, n + 1), Arrays.copyOfRange(longIds, 0, n + 1));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"modelscope-tiny", "modelscope-tiny-dpm"})
  void conversionReproducesTheShippedTokenizerJson(String caseName) {
    // the fixture's tokenizer.json is the fast equivalent of its vocab + merges; our conversion must build the
    // same definition (JSON equality ignores key order)
    Path tokDir = Fixtures.caseDir(caseName).resolve("model/tokenizer");
    JsonObject shipped = ClipTokenizer.readObject(tokDir.resolve("tokenizer.json"));
    JsonObject converted = ClipTokenizer.convertSlow(tokDir, ClipTokenizer.SpecialTokens.read(tokDir));
    for (String key : shipped.keySet()) {
      assertEquals(shipped.get(key), converted.get(key), "tokenizer.json field '" + key + "'");
    }
    assertEquals(shipped.keySet(), converted.keySet());
  }

  @org.junit.jupiter.api.Test
  void legacyConfigFormatOfThePublishedRepository(@TempDir Path tmp) throws IOException {
    // The published ModelScope tokenizer folder was written by transformers < 4.34: no added_tokens_decoder, special
    // tokens as {"__type": "AddedToken", ...} objects, pad_token "!" as a plain string. Rebuilt here over the
    // fixture's vocab, it must give the fixture's ids (modelscope-tiny pads with "!").
    Path dir = Fixtures.caseDir("modelscope-tiny");
    Path src = dir.resolve("model/tokenizer");
    Files.copy(src.resolve("vocab.json"), tmp.resolve("vocab.json"));
    Files.copy(src.resolve("merges.txt"), tmp.resolve("merges.txt"));
    String bos = "{\"__type\": \"AddedToken\", \"content\": \"<|startoftext|>\", \"lstrip\": false, "
        + "\"normalized\": true, \"rstrip\": false, \"single_word\": false}";
    String eos = bos.replace("startoftext", "endoftext");
    Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"add_prefix_space\": false, \"bos_token\": " + bos
        + ", \"do_lower_case\": true, \"eos_token\": " + eos + ", \"errors\": \"replace\", "
        + "\"model_max_length\": 77, \"pad_token\": \"<|endoftext|>\", \"tokenizer_class\": \"CLIPTokenizer\", "
        + "\"unk_token\": " + eos + "}");
    Files.writeString(tmp.resolve("special_tokens_map.json"), "{\"bos_token\": " + bos + ", \"eos_token\": " + eos
        + ", \"pad_token\": \"!\", \"unk_token\": " + eos + "}");
    try (ClipTokenizer tok = ClipTokenizer.load(tmp); ClipTokenizer fast = ClipTokenizer.load(src)) {
      assertEquals(0, tok.padTokenId(), "special_tokens_map.json's pad_token '!' overrides tokenizer_config.json");
      checkAgainstReference(dir, tok);
      for (String p : EXTRA_PROMPTS) {
        assertArrayEquals(fast.encode(p), tok.encode(p), "prompt '" + p + "'");
      }
    }
  }

  @org.junit.jupiter.api.Test
  void missingFilesAreNamed(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"model_max_length\": 77}");
    ConfigException e = assertThrows(ConfigException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
    Files.writeString(tmp.resolve("tokenizer_config.json"), "{}");
    e = assertThrows(ConfigException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("model_max_length"), e.getMessage());
  }

  private static void checkAgainstReference(Path dir, ClipTokenizer tok) {
    JsonObject call = Fixtures.referenceJson(dir).getAsJsonObject("call");
    Map<String, HostTensor> ref = Fixtures.reference(dir);
    assertEquals(77, tok.maxLength());
    assertIds(ref.get("prompt.input_ids"), tok.encode(call.get("prompt").getAsString()), "prompt.input_ids");
    assertIds(ref.get("negative.input_ids"), tok.encode(call.get("negative_prompt").getAsString()),
        "negative.input_ids");
  }

  private static void assertIds(HostTensor expected, long[] actual, String stage) {
    long[] exp = new long[expected.data().length];
    for (int i = 0; i < exp.length; i++) {
      exp[i] = (long) expected.data()[i];
    }
    assertArrayEquals(exp, actual, stage + ": expected " + Arrays.toString(exp) + " got " + Arrays.toString(actual));
  }

  static Path copyWithoutTokenizerJson(Path src, Path dst) {
    try (Stream<Path> files = Files.list(src)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().equals("tokenizer.json")) {
          Files.copy(f, dst.resolve(f.getFileName()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertFalse(Files.exists(dst.resolve("tokenizer.json")));
    return dst;
  }
}
